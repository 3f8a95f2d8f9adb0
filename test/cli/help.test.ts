import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.ts";

/** Every command and subcommand, with its full name ("config set"). */
function walk(cmd: Command, prefix: string[] = []): { name: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) => {
    const name = [...prefix, c.name()];
    return [{ name: name.join(" "), cmd: c }, ...walk(c, name)];
  });
}

/** What `sizewise <command> --help` prints: the help plus the text added after it. */
function helpOf(cmd: Command): string {
  let text = "";
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

describe("--help", () => {
  const commands = walk(buildProgram());

  it("the program's own help has examples", () => {
    expect(helpOf(buildProgram())).toMatch(/Examples[^\n]*:\n {2}\$ npm start/);
  });

  it("finds the operator commands", () => {
    const names = commands.map((c) => c.name);
    for (const n of ["start", "backtest", "compare", "config", "config show", "config get", "config set", "config validate", "journal", "report", "status", "replay"]) expect(names).toContain(n);
  });

  it.each(commands.map((c) => [c.name, c.cmd] as const))("%s has a description and an Example", (_name, cmd) => {
    const help = helpOf(cmd);
    expect(cmd.description().length).toBeGreaterThan(10);
    expect(help).toMatch(/Example/);
    expect(help).toMatch(/\$ (npx sizewise|npm start|sizewise|APCA_API_KEY_ID)/);
  });
});
