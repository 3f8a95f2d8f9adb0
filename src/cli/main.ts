import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerBacktest } from "./backtest-cmd.ts";
import { registerCompare } from "./compare-cmd.ts";
import { registerWalkForward } from "./walkforward-cmd.ts";
import { registerExperiments } from "./experiments-cmd.ts";
import { registerTrainRl } from "./train-rl-cmd.ts";
import { registerTrain } from "./train-cmd.ts";
import { registerGenerate } from "./generate-cmd.ts";
import { registerStart } from "./start-cmd.ts";
import { registerExchange } from "./exchange-cmd.ts";
import { registerConfig } from "./config-cmd.ts";
import { registerJournal } from "./journal-cmd.ts";
import { registerReport } from "./report-cmd.ts";
import { registerStatus } from "./status-cmd.ts";
import { registerHalt } from "./halt-cmd.ts";
import { registerReplay } from "./replay-cmd.ts";
import { registerNotify } from "./notify-cmd.ts";
import { registerDownload } from "./download-cmd.ts";
import { applyHome } from "./home.ts";

/** The version in package.json (bin/sizewise.js answers a bare --version before loading this). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** Every command, registered (tests walk it to check each one's help). */
export function buildProgram(): Command {
  const program = new Command()
    .name("sizewise")
    .description("Explainable position sizing for a Bear Trap paper-trading bot: backtest, compare, paper-trade.")
    .version(packageVersion(), "-V, --version", "print the version of sizewise")
    .showHelpAfterError()
    .exitOverride()
    .option("--home <dir>", "the folder holding config/local.json, .env and state/ (default: SIZEWISE_HOME, else the project folder)")
    .addHelpText(
      "after",
      `
Examples (a first session, no keys needed):
  $ npm start                                   # trade 10 days of generated bars on the local exchange
  $ npx sizewise journal                        # review the latest day's trades and their sizing
  $ npx sizewise report && open state/report.html
  $ npx sizewise config set sizing.mode kelly   # a running daemon switches at its next decision
  $ npx sizewise <command> --help               # every command has examples`,
    );
  registerBacktest(program);
  registerCompare(program);
  registerWalkForward(program);
  registerExperiments(program);
  registerTrainRl(program);
  registerTrain(program);
  registerGenerate(program);
  registerStart(program);
  registerExchange(program);
  registerConfig(program);
  registerJournal(program);
  registerReport(program);
  registerStatus(program);
  registerHalt(program);
  registerReplay(program);
  registerNotify(program);
  registerDownload(program);
  program.hook("preAction", (_program, action) => applyHome(program, action));
  return program;
}

/** The composition root: the only place that reads argv and the environment. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`sizewise: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
