import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/sizewise.js");

/** A `sizewise` child process whose output is collected as it comes. */
export class Cli {
  out = "";
  err = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly proc: ChildProcessWithoutNullStreams;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv, cwd = ROOT) {
    this.proc = spawn(process.execPath, ["--max-semi-space-size=2", BIN, ...args], { cwd, env: { ...env, CI: "1" }, stdio: "pipe" });
    this.proc.stdout.on("data", (d: Buffer) => (this.out += d.toString()));
    this.proc.stderr.on("data", (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((r) => this.proc.once("exit", (code, signal) => r({ code, signal })));
  }

  async waitFor(re: RegExp, ms = 30_000): Promise<RegExpExecArray> {
    const t0 = Date.now();
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      if (Date.now() - t0 > ms) throw new Error(`no ${re} in stdout: ${this.out.slice(-1500)}\nstderr: ${this.err.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Runs a command to its end. */
export async function run(args: readonly string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ out: string; err: string; code: number | null }> {
  const c = new Cli(args, env, cwd);
  const { code } = await c.exited;
  return { out: c.out, err: c.err, code };
}
