import type { Command } from "commander";
import { backtestCommand } from "./backtest-cmd.ts";

/**
 * `sizewise start` will run the paper-trading daemon (the daemon issue). Until it lands, it runs
 * a backtest on generated data so that `npm start` shows the engine working on any machine.
 */
export function registerStart(program: Command): void {
  program
    .command("start")
    .description("Run the bot. For now: a backtest of the Bear Trap strategy on generated data (the daemon comes next).")
    .option("--seed <n>", "seed of the generated data", "42")
    .option("--state <dir>", "state folder", "state")
    .addHelpText("after", "\nExample:\n  $ npm start")
    .action((o: { seed: string; state: string }) => {
      process.stderr.write("sizewise start: the paper-trading daemon is not built yet; running a backtest on generated data.\n");
      backtestCommand({ seed: o.seed, state: o.state, cache: true, genSymbols: "20", genDays: "60" });
    });
}
