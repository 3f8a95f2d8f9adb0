import { join } from "node:path";
import type { Command } from "commander";
import { minuteToHhmm } from "../core/market-calendar.ts";
import { etDayToIso, NyTime } from "../core/ny-time.ts";
import type { Exchange } from "../exchange/server.ts";
import { startExchange } from "../exchange/server.ts";
import { loadSeries, withBarInputs } from "./load-bars.ts";
import { parseSpeed } from "./start-cmd.ts";
import { checkSecretLength } from "./keys.ts";
import { intOption } from "./int-option.ts";
import { brokerCancelPicker } from "../exchange/knobs.ts";
import { loadBarDir } from "../data/load-dir.ts";

interface ExchangeCmdOptions {
  data?: string;
  daily?: string;
  port: string;
  speed: string;
  symbols?: string;
  from?: string;
  to?: string;
  state: string;
  seed: string;
  genSymbols: string;
  genDays: string;
  cash: string;
  friction: string;
  partialFills: string;
  exitWhenDone?: boolean;
  cancelDelayMs: string;
  rejectAfterAccept: string;
  rejectDelayMs: string;
  corrections: string;
  streamLagMs: string;
  brokerCancel: string;
  authTimeoutMs: string;
  maxFrameBytes: string;
  maxSymbols: string;
  extraEvent?: string;
  washStops?: boolean;
  washTrade403?: boolean;
  sharedExecutionIds?: boolean;
  fillWhilePendingCancel: boolean;
  replaceGroupQty?: boolean;
}

/**
 * `sizewise exchange`: the local paper exchange as a process of its own, so it outlives the bot
 * like a real broker does. The bot (or the official SDK) talks to it over REST and websockets on
 * 127.0.0.1 with the key pair from the environment; the book is saved in --state after every
 * change and resumed on the next start.
 */
export function registerExchange(program: Command): void {
  withBarInputs(
    program
      .command("exchange")
      .description("Run the local Alpaca-compatible paper exchange on 127.0.0.1: replay bars, take orders, keep the book across restarts."),
    {
      state: ["state folder: the book is kept in <dir>/exchange/", "./state-exchange"],
      seedHelp: "seed of the generated data and of the partial fills",
      genSymbols: "10",
      genDays: "10",
      cacheOption: false,
    },
  )
    .option("--daily <dir>", "1Day bar files (e.g. ../shared/data/bars/1day), replayed session by session: stream d at each close, REST timeframe 1Day; symbols without minute bars trade on them (orders queued after a close fill at the next open). Alone (no --data), the exchange replays daily bars only")
    .option("--port <n>", "port on 127.0.0.1 (0: any free port; the URL is printed)", "0")
    .option("--speed <n|max>", "bar-minutes per wall-clock minute (1 = real time), or max", "1")
    .option("--cash <usd>", "starting cash of the account", "100000")
    .option("--friction <pct>", "round-trip friction in percent, half charged on each fill (Alpaca paper charges none)", "0")
    .option("--partial-fills <fraction>", "share of market orders filled in two pieces (Alpaca paper: about 0.1)", "0.1")
    .option("--exit-when-done", "exit once the replay ends (default: keep serving REST until SIGINT/SIGTERM)")
    .option("--cancel-delay-ms <n>", "wall-clock ms between a cancel's 204 (pending_cancel) and its canceled event", "0")
    .option("--reject-after-accept <fraction>", "share of orders (seeded) answered 200 accepted and then rejected on the stream", "0")
    .option("--reject-delay-ms <n>", "wall-clock ms between such an acceptance and its rejected event", "0")
    .option("--corrections <fraction>", "share of bars (seeded) corrected after publication (T u on the stream; REST serves the corrected bar)", "0")
    .option("--broker-cancel <fraction>", "chance per minute (seeded) that the broker cancels a resting order on its own", "0")
    .option("--stream-lag-ms <n>", "wall-clock ms trade updates are held back before they reach the stream", "0")
    .option("--auth-timeout-ms <n>", "market-data stream connections must authenticate within this (Alpaca: 10 s)", "10000")
    .option("--max-frame-bytes <n>", "largest websocket frame a client may send; a bigger one closes its connection (Alpaca's client messages are tiny)", "65536")
    .option("--max-symbols <n>", "symbols one market-data connection may subscribe; more is refused with 405 symbol limit exceeded", "1000")
    .option("--extra-event <name>", "also send this trade_updates event (one the SDK does not list) after every new")
    .option("--no-wash-stops", "kinder wash-trade reading: untriggered stop orders do not count as opposite orders (default: they do, as Alpaca's table lists)")
    .option("--wash-trade-403", "refuse wash trades with 403 40310000 (another reported form) instead of 422 42210000")
    .option("--shared-execution-ids", "end FILL activity ids in the stream's execution_id (unverified on Alpaca; default: they differ)")
    .option("--no-fill-while-pending-cancel", "never fill an order whose cancel is pending (Alpaca may)")
    .option("--replace-group-qty", "let PATCH change the qty of an oco/bracket order (unverified on Alpaca; default: 422)")
    .addHelpText(
      "after",
      `
The keys clients must present come from APCA_API_KEY_ID and APCA_API_SECRET_KEY (required; choose any).
A finished replay is not resumed: the next start moves its files aside and starts afresh. A state
saved for other bars or settings is refused: use a fresh --state dir. So is a damaged one (a
missing or wrong-shape book.json beside its history): restore it or move the folder aside.
Bars that fail the plausibility check (prices, jumps, times) fill no order; each is logged on stderr.

Example:
  $ APCA_API_KEY_ID=local APCA_API_SECRET_KEY=$(openssl rand -hex 16) \\
      npx sizewise exchange --data ../shared/data/bars/1min/2024q2 --symbols GME,AMC --from 2024-05-13 --to 2024-05-17 --port 8787 --speed 60`,
    )
    .action(async (o: ExchangeCmdOptions) => {
      const keyId = process.env.APCA_API_KEY_ID;
      const secretKey = process.env.APCA_API_SECRET_KEY;
      if (!keyId || !secretKey) {
        throw new Error("the exchange needs APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment: the key pair its clients must present (any values you choose)");
      }
      checkSecretLength(secretKey);
      const ex = await start(o, keyId, secretKey);
      const stop = new Promise<string>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
      });
      const replay = ex.play().then(() => "done");
      let why = await Promise.race([stop, replay]).catch(async (e: unknown) => {
        await ex.close();
        throw e;
      });
      if (why === "done") {
        const ny = new NyTime();
        process.stdout.write(`replay finished at ${etDayToIso(ny.etDay(ex.nowMs))} ${minuteToHhmm(ny.etMinute(ex.nowMs))} New York time${o.exitWhenDone ? "" : "; serving REST until SIGINT/SIGTERM"}\n`);
        if (!o.exitWhenDone) why = await stop;
      }
      // Nothing is pending: the book was saved after every change. Closing just stops the sockets.
      await ex.close();
      process.stdout.write(
        `exchange stopped (${why}); state in ${join(o.state, "exchange")}; ${ex.framesRefused} client frames refused, ${ex.barsRefused} implausible bars never filled\n`,
      );
    });
}

async function start(o: ExchangeCmdOptions, keyId: string, secretKey: string): Promise<Exchange> {
  const speed = parseSpeed(o.speed);
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0-65535 (got ${JSON.stringify(o.port)})`);
  const num = (name: string, v: string, ok: (x: number) => boolean): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || !ok(x)) throw new Error(`${name} is out of range (got ${JSON.stringify(v)})`);
    return x;
  };
  const cash = num("--cash", o.cash, (x) => x > 0);
  const friction = num("--friction", o.friction, (x) => x >= 0 && x <= 10);
  const fraction = num("--partial-fills", o.partialFills, (x) => x >= 0 && x <= 1);
  const seed = num("--seed", o.seed, Number.isInteger);
  const ms = (name: string, v: string): number => intOption(name, v, 0);
  const share = (name: string, v: string): number => num(name, v, (x) => x >= 0 && x <= 1);
  const rejectFraction = share("--reject-after-accept", o.rejectAfterAccept);
  const correctionFraction = share("--corrections", o.corrections);
  const brokerCancel = share("--broker-cancel", o.brokerCancel);
  // Daily bars alone: no minute bars (not generated ones either).
  const { series } = o.daily && !o.data ? { series: [] } : loadSeries({ ...o, cache: true });
  // Daily rows are checked by the parser (shape, order) but not by the minute plausibility rules (a day is not a minute).
  const dailyBars = o.daily ? loadBarDir(o.daily, { symbols: o.symbols?.split(",").map((s) => s.trim()).filter(Boolean), fromDay: o.from, toDay: o.to, cacheDir: null, plausibility: null }).series : undefined;
  const persistFile = join(o.state, "exchange", "book.json");
  let ex: Exchange;
  try {
    ex = await startExchange({
      keyId, secretKey, bars: series, ...(dailyBars ? { dailyBars } : {}), speed, port, initialCashUsd: cash, frictionPctRoundTrip: friction,
      partialFill: fraction > 0 ? { fraction, seed } : undefined, persistFile,
      cancelDelayMs: ms("--cancel-delay-ms", o.cancelDelayMs),
      rejectAfterAccept: rejectFraction > 0 ? { fraction: rejectFraction, seed } : undefined,
      rejectDelayMs: ms("--reject-delay-ms", o.rejectDelayMs),
      correctionFraction, correctionSeed: seed,
      brokerCancel: brokerCancel > 0 ? brokerCancelPicker({ fraction: brokerCancel, seed }) : undefined,
      streamLagMs: ms("--stream-lag-ms", o.streamLagMs),
      authTimeoutMs: intOption("--auth-timeout-ms", o.authTimeoutMs, 1),
      maxFrameBytes: intOption("--max-frame-bytes", o.maxFrameBytes, 1024),
      maxSymbolsPerConnection: intOption("--max-symbols", o.maxSymbols, 1),
      extraEvent: o.extraEvent,
      rules: {
        washTradeStopsCount: o.washStops ?? true, washTradeStatus: o.washTrade403 ? 403 : 422, activityIdSharesExecutionId: o.sharedExecutionIds ?? false,
        fillWhilePendingCancel: o.fillWhilePendingCancel, replaceGroupQty: o.replaceGroupQty ?? false,
      },
    });
  } catch (e) {
    if (e instanceof Error && /saved for other data/.test(e.message)) {
      throw new Error(`${e.message}; use a fresh --state dir (or move ${join(o.state, "exchange")} away)`, { cause: e });
    }
    throw e;
  }
  const bars = series.reduce((n, s) => n + s.length, 0);
  const first = series.reduce((t, s) => Math.min(t, s.length > 0 ? s.tMs[0] : Infinity), Infinity);
  const from = Number.isFinite(first) ? etDayToIso(new NyTime().etDay(first)) : "-";
  process.stdout.write(
    `sizewise exchange listening on ${ex.url} (websockets ${ex.wsUrl}/stream and /v2/iex); ${series.length} symbols, ${bars} bars from ${from}; ` +
      `speed ${speed}; ${ex.resumed ? "resumed" : "fresh"} state in ${join(o.state, "exchange")}\n`,
  );
  return ex;
}
