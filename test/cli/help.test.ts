import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, commandOf } from "../../src/cli/main.ts";

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

const program = await buildProgram();

describe("--help", () => {
  const commands = walk(program);

  it("the program's own help has examples", async () => {
    expect(helpOf(await buildProgram())).toMatch(/Examples[^\n]*:\n {2}\$ npm start/);
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

describe("loading only the command that runs", () => {
  it("finds the command word past the options", () => {
    expect(commandOf(["node", "sizewise", "--home", "/x", "config", "get", "sizing.mode"])).toBe("config");
    expect(commandOf(["node", "sizewise", "--version"])).toBeUndefined();
  });

  it("registers every top-level command when its name runs, and only it", async () => {
    for (const c of program.commands) {
      const only = await buildProgram(["node", "sizewise", c.name()]);
      expect(only.commands.map((x) => x.name()), c.name()).toContain(c.name());
      expect(only.commands.length, c.name()).toBeLessThanOrEqual(2);
    }
  });
});
