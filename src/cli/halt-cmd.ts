import type { Command } from "commander";
import { clearHaltFlag, haltFlagPath, readHaltFlag, writeHaltFlag, type HaltFlag } from "../store/halt-flag.ts";
import { readPidFile } from "../store/pid-file.ts";
import { requireStateDir } from "./home.ts";

interface HaltOptions {
  state: string;
  reason?: string;
}

function daemonNote(stateDir: string, running: string, notRunning: string): string {
  const p = readPidFile(stateDir);
  return p.state === "running" ? `the daemon (pid ${p.record.pid}) ${running}` : `no daemon is running on ${stateDir}; ${notRunning}`;
}

function since(f: HaltFlag): string {
  return `${f.source === "emergency" ? "emergency halt" : "halted"}${f.at ? ` since ${f.at}` : ""}: ${f.reason}`;
}

/**
 * `sizewise halt` / `sizewise resume`: the kill switch. The flag file stops new entries while the
 * daemon still manages, protects and exits its open positions; it works whether the daemon is
 * running or not, and only `resume` lifts it (also after an emergency halt the daemon tripped).
 */
export function registerHalt(program: Command): void {
  program
    .command("halt")
    .description("Kill switch: stop new entries (writes STATE/HALT, mode 600). The daemon keeps managing open positions (stops, targets, exits) and halts within one bar minute; the flag holds across restarts until `sizewise resume`.")
    .option("--state <dir>", "the daemon's state folder", "state")
    .option("--reason <text>", "why (kept in the flag and journaled)", "manual halt")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise halt --reason "news pending on GME"
  $ npx sizewise halt --state /srv/sizewise/state
  $ npx sizewise resume`,
    )
    .action((o: HaltOptions) => {
      requireStateDir(o.state, "nothing to halt there, and the flag is never written into a folder no daemon uses");
      const held = readHaltFlag(o.state);
      if (held !== null) {
        process.stdout.write(`already ${since(held)}\nthe flag is kept as it is (${haltFlagPath(o.state)}); \`sizewise resume --state ${o.state}\` lifts it\n`);
        return;
      }
      writeHaltFlag(o.state, { reason: o.reason ?? "manual halt", source: "manual", at: new Date().toISOString() });
      const flag = readHaltFlag(o.state);
      process.stdout.write(
        `HALTED: ${flag?.reason ?? ""}\nwrote ${haltFlagPath(o.state)}; ${daemonNote(o.state, "stops new entries at its next bar minute", "the next start begins halted")}.\n` +
          `Open positions keep their stops and targets and are still managed and exited. Lift it with: sizewise resume --state ${o.state}\n`,
      );
    });

  program
    .command("resume")
    .description("Lift the kill switch: remove STATE/HALT (written by `sizewise halt` or by an emergency halt) so the daemon takes new entries again from its next bar minute.")
    .option("--state <dir>", "the daemon's state folder", "state")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise resume
  $ npx sizewise resume --state /srv/sizewise/state`,
    )
    .action((o: { state: string }) => {
      requireStateDir(o.state, "nothing to resume there");
      const was = clearHaltFlag(o.state);
      if (was === null) {
        process.stdout.write(`not halted: no HALT flag in ${o.state}\n`);
        return;
      }
      process.stdout.write(
        `RESUMED: removed ${haltFlagPath(o.state)} (was ${since(was)})\n${daemonNote(o.state, "takes new entries again from its next bar minute", "the next start trades normally")}` +
          ` (a daily loss limit hit today still holds until the next session).\n`,
      );
    });
}
