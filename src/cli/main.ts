import { projectDir } from "../io/project-dir.ts";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { applyHome } from "./home.ts";

/** The version in package.json (bin/sizewise.js answers a bare --version before loading this). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectDir(), "package.json"), "utf8")) as { version: string }).version;
}

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: a command's imports (the SDK, the
 * engine, zod schemas, the exchange) cost hundreds of milliseconds that `config get` or `halt`
 * should not pay. Order is the order of `--help`.
 */
const COMMANDS: readonly (readonly [name: string, load: () => Promise<Register>])[] = [
  ["backtest", async () => (await import("./backtest-cmd.ts")).registerBacktest],
  ["compare", async () => (await import("./compare-cmd.ts")).registerCompare],
  ["walkforward", async () => (await import("./walkforward-cmd.ts")).registerWalkForward],
  ["experiments", async () => (await import("./experiments-cmd.ts")).registerExperiments],
  ["train-rl", async () => (await import("./train-rl-cmd.ts")).registerTrainRl],
  ["train", async () => (await import("./train-cmd.ts")).registerTrain],
  ["generate", async () => (await import("./generate-cmd.ts")).registerGenerate],
  ["start", async () => (await import("./start-cmd.ts")).registerStart],
  ["exchange", async () => (await import("./exchange-cmd.ts")).registerExchange],
  ["strategies", async () => (await import("./strategies-cmd.ts")).registerStrategies],
  ["config", async () => (await import("./config-cmd.ts")).registerConfig],
  ["journal", async () => (await import("./journal-cmd.ts")).registerJournal],
  ["report", async () => (await import("./report-cmd.ts")).registerReport],
  ["status", async () => (await import("./status-cmd.ts")).registerStatus],
  ["halt", async () => (await import("./halt-cmd.ts")).registerHalt],
  ["replay", async () => (await import("./replay-cmd.ts")).registerReplay],
  ["notify", async () => (await import("./notify-cmd.ts")).registerNotify],
  ["download", async () => (await import("./download-cmd.ts")).registerDownload],
];

/**
 * Commands that parse a file or two and exit. zod compiles a parser per object schema (`new
 * Function`) at its first parse, which pays off over thousands of parses, not over one; for these
 * the interpreted path is quicker. Set before their modules build their schemas (zod reads the
 * switch when a schema is made); the parse results are the same either way.
 */
const ONE_SHOT: ReadonlySet<string> = new Set(["config", "status", "halt"]);

/** Top-level commands registered by another command's module. */
const ALIASES: Readonly<Record<string, string>> = { data: "download", resume: "halt" };

/** The command an argv names (its first word that is not an option or --home's value), if any. */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--home") i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/**
 * The program with every command (tests walk it to check each one's help), or only the one
 * `argv` runs (every one for help or an unknown name, which commander then names).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const named = argv ? commandOf(argv) : undefined;
  const wanted = named === undefined ? undefined : (ALIASES[named] ?? named);
  const only = COMMANDS.filter(([name]) => name === wanted);
  if (wanted !== undefined && ONE_SHOT.has(wanted)) (await import("zod")).config({ jitless: true });
  const registers = await Promise.all((only.length > 0 ? only : COMMANDS).map(([, load]) => load()));
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
  for (const register of registers) register(program);
  program.hook("preAction", (_program, action) => applyHome(program, action));
  return program;
}

/** The composition root: the only place that reads argv and the environment. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = await buildProgram(argv);
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
