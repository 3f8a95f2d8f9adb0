import type { Command } from "commander";
import Table from "cli-table3";
import { pino } from "pino";
import { resolveConfig } from "../config/load.ts";
import { runLocal } from "../daemon/run-local.ts";
import { loadSeries, type BarInputOptions } from "./load-bars.ts";

interface StartOptions extends BarInputOptions {
  local?: boolean;
  config?: string;
  live?: boolean;
}

/**
 * `sizewise start` (what `npm start` runs): the paper-trading daemon. Without Alpaca keys, or with
 * --local, it starts the local exchange in this process and trades a replay against it through the
 * official SDK. Trading Alpaca paper with keys is the next step of the daemon issue.
 */
export function registerStart(program: Command): void {
  program
    .command("start")
    .description("Run the paper-trading bot: on the embedded local exchange (no keys, or --local) replaying bars through the Alpaca protocol.")
    .option("--local", "trade the embedded local exchange even when Alpaca keys are set")
    .option("--data <dir>", "bars to replay (generated data when omitted)")
    .option("--symbols <list>", "comma-separated symbols to replay")
    .option("--from <date>", "first replay date, YYYY-MM-DD")
    .option("--to <date>", "last replay date, YYYY-MM-DD")
    .option("--state <dir>", "state folder (state.json, journal/)", "state")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .option("--seed <n>", "seed of the generated data", "42")
    .option("--gen-symbols <n>", "symbols of generated data", "10")
    .option("--gen-days <n>", "trading days of generated data", "10")
    .option("--live", "refused: live trading needs trading.live in config as well, and is not built yet")
    .addHelpText(
      "after",
      `
Examples:
  $ npm start
  $ npx sizewise start --local --data ../shared/data/bars/1min/2024q2 --symbols GME,AMC --from 2024-05-13 --to 2024-05-17`,
    )
    .action(async (o: StartOptions) => {
      const log = pino({ name: "sizewise", redact: { paths: ["*.secretKey", "*.secret", "*.keyId", "headers"], censor: "[REDACTED]" } }, pino.destination(2));
      if (o.live) throw new Error("live trading is refused: it needs both trading.live: true in config and --live, and the live path is not built yet");
      const hasKeys = Boolean(process.env.APCA_API_KEY_ID && process.env.APCA_API_SECRET_KEY);
      if (hasKeys && !o.local) {
        throw new Error("Alpaca paper trading with keys is not built yet (the daemon issue is in progress); run with --local to trade the embedded exchange");
      }
      const config = resolveConfig(o.config);
      const { series } = loadSeries({ ...o, cache: true });
      // SIGINT/SIGTERM: stop taking new minutes, flush state and journal, close the sockets, exit 0.
      const stop = new AbortController();
      const onSignal = (sig: string): void => {
        log.warn({ signal: sig }, "stopping: no new bars, flushing state");
        stop.abort();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const r = await runLocal({ config, series, stateDir: o.state, log, signal: stop.signal });
      const t = new Table({ head: ["symbol", "entry", "exit", "shares", "R", "P/L", "exit reason"] });
      for (const x of r.trades) t.push([x.symbol, x.entryTime, x.exitTime, x.shares, x.rMultiple.toFixed(2), x.pnlUsd.toFixed(2), x.exitReason]);
      process.stdout.write(
        `${t.toString()}\n${r.stoppedEarly ? "stopped by signal after" : "replayed"} ${r.minutes} minutes, ${r.bars} bars over the Alpaca protocol; ${r.trades.length} trades; equity $${r.finalEquityUsd.toFixed(2)}\n` +
          `journal: ${o.state}/journal/ (${r.journalDays.length} days), state: ${o.state}/state.json\n`,
      );
    });
}
