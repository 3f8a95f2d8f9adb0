import { Command, CommanderError } from "commander";
import { registerBacktest } from "./backtest-cmd.ts";
import { registerCompare } from "./compare-cmd.ts";
import { registerTrainRl } from "./train-rl-cmd.ts";
import { registerGenerate } from "./generate-cmd.ts";
import { registerStart } from "./start-cmd.ts";
import { registerExchange } from "./exchange-cmd.ts";

/** The composition root: the only place that reads argv and the environment. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command()
    .name("sizewise")
    .description("Explainable position sizing for a Bear Trap paper-trading bot: backtest, compare, paper-trade.")
    .showHelpAfterError()
    .exitOverride();
  registerBacktest(program);
  registerCompare(program);
  registerTrainRl(program);
  registerGenerate(program);
  registerStart(program);
  registerExchange(program);
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
