import { vi } from "vitest";
import { main } from "../../src/cli/main.ts";

/** Runs the CLI in this process and returns what it printed and its exit code. */
export async function runCli(args: readonly string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
  process.exitCode = 0;
  try {
    await main(["node", "sizewise", ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out: out.join(""), err: err.join(""), code };
}
