import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "pino";
import type { BarSeries } from "../core/bars.ts";
import type { TradeRecord } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import { startExchange, type Exchange, type ExchangeOptions } from "../exchange/server.ts";
import { openBroker } from "../adapters/index.ts";
import { Daemon, type DaemonOptions, type RecoveryReport } from "./daemon.ts";
import { followConfig, type FollowedConfig } from "./config-follow.ts";
import type { StrategySlot } from "../core/strategy.ts";
import { checkRunFiles } from "./run-files.ts";

export interface LocalRunOptions {
  readonly config: Config;
  readonly series: readonly BarSeries[];
  /**
   * 1Day bars the exchange replays session by session (streamed as `d` at each close, REST 1Day).
   * Their symbols trade on their daily bars; they join the daemon's symbols and its daily symbols.
   */
  readonly dailySeries?: readonly BarSeries[];
  /**
   * The replay's start (`--from`, 00:00 New York of its day). Daily bars of sessions closed before
   * it are history: the exchange serves them over REST (the daily strategies warm up on them) and
   * does not replay them; the run starts here. Default: at the first bar.
   */
  readonly replayFromMs?: number;
  /** Symbols of the 1Day strategies (default: the daily series' symbols). */
  readonly dailySymbols?: readonly string[];
  /** The strategies (default: buildSlots of the config over every symbol; the CLI passes --strategy-file ones). */
  readonly slots?: readonly StrategySlot[];
  readonly stateDir: string;
  readonly log: Logger;
  /** Where alerts go (see DaemonOptions.alerts). */
  readonly alerts?: DaemonOptions["alerts"];
  /** "max" (default): lock step, as fast as the bot consumes; N: N replayed minutes per wall-clock minute. */
  readonly speed?: "max" | number;
  /** Aborting stops the replay after the current minute; state and journal are flushed, sockets closed. */
  readonly signal?: AbortSignal;
  /** Called after every replayed minute in lock step (tests inject faults here). */
  readonly onMinute?: (ctx: { exchange: Exchange; daemon: Daemon; minute: number }) => void | Promise<void>;
  /** Fault injection (tests): see DaemonOptions.hooks. */
  readonly hooks?: DaemonOptions["hooks"];
  /** Seeded partial fills on the exchange, as Alpaca paper does now and then. */
  readonly partialFill?: { readonly fraction: number; readonly seed: number };
  /** The user config file to follow while running (a changed sizing.mode applies at the next decision). */
  readonly configFile?: FollowedConfig;
  /** REST fault injection at the exchange (tests): see ExchangeOptions.restFault. */
  readonly restFault?: ExchangeOptions["restFault"];
  /** The strict exchange's timing knobs (cancel delay, rejections after acceptance, broker ends, stream lag), turned up by tests and the chaos run. */
  readonly knobs?: Pick<ExchangeOptions, "cancelDelayMs" | "rejectAfterAccept" | "rejectDelayMs" | "brokerCancel" | "streamLagMs" | "extraEvent" | "rules">;
}

/**
 * Lock step: resolves once the daemon has taken every bar and fill the exchange published and has
 * nothing held or under way, so the next minute can go out.
 */
export function caughtUp(daemon: Daemon, ex: Exchange): Promise<void> {
  return settle(
    () =>
      daemon.idle &&
      daemon.liveBars + daemon.duplicateBars + daemon.input.streamBarsRefused >= ex.barsPublished &&
      daemon.liveFills >= ex.fillsPublished &&
      // The session's final daily bars must be in before the next session opens (the bot decides on
      // them at the close). Only its own: the daemon subscribes `d` for its 1Day strategies'
      // symbols, while the daily files may hold more (issue 14 follow-up: a daily folder of 14
      // symbols with 6 traded daily stalled the first session close, waiting for 14 bars of 6).
      (!daemon.daily.subscribed || daemon.dailyBarsHeard >= ex.dailyBarsPublishedOf(daemon.daily.symbolList)),
    () =>
      `bars ${daemon.liveBars}/${ex.barsPublished}, fills ${daemon.liveFills}/${ex.fillsPublished}, daily bars ${daemon.dailyBarsHeard}/${ex.dailyBarsPublishedOf(daemon.daily.symbolList)}, requests ${daemon.venue.inflight}, idle ${daemon.idle}`,
  );
}

export interface LocalRunResult {
  readonly trades: readonly TradeRecord[];
  readonly bars: number;
  readonly minutes: number;
  readonly finalEquityUsd: number;
  readonly journalDays: readonly string[];
  readonly stoppedEarly: boolean;
  readonly recovery: RecoveryReport;
  readonly resumed: boolean;
  /** Every order the exchange holds at the end (client id, status, filled qty): what a test compares across runs. */
  readonly brokerOrders: readonly { readonly clientOrderId: string; readonly status: string; readonly filledQty: number }[];
}

/** Lock step inside a minute: resolves once the daemon has taken every fill published and has nothing under way. */
function fillsTaken(daemon: Daemon, ex: Exchange): Promise<void> {
  return settle(
    () => daemon.idle && daemon.liveFills >= ex.fillsPublished,
    () => `fills ${daemon.liveFills}/${ex.fillsPublished}, requests ${daemon.venue.inflight}, idle ${daemon.idle}`,
  );
}

/** Resolves when `cond` holds, checking after each turn of the event loop (bounded, so a stuck stream fails loudly). */
export async function settle(cond: () => boolean, what: () => string, maxMs = 30_000): Promise<void> {
  const t0 = Date.now();
  for (let spins = 0; !cond(); spins++) {
    if (Date.now() - t0 > maxMs) throw new Error(`replay stalled waiting for ${what()}`);
    // Spin on setImmediate first (cheap, keeps lock step fast), then back off to timers so a
    // stream reconnect or a retry delay does not burn a core.
    await new Promise((r) => (spins < 2000 ? setImmediate(r) : setTimeout(r, 2)));
  }
}

/**
 * The daemon on the embedded local exchange: the exchange replays the bars and persists its book
 * under the state dir; the bot trades them through the official SDK exactly as it would Alpaca
 * paper. At "max" speed the replay runs in lock step: the next minute is published only when the
 * bot has taken every bar and fill of the last one and has no request under way, so runs are
 * reproducible. Killed and started again on the same state dir, both resume the same session.
 */
export async function runLocal(o: LocalRunOptions): Promise<LocalRunResult> {
  const { config, log } = o;
  // Before the exchange starts: a refused run must leave nothing running and nothing written.
  const damaged = checkRunFiles(o.stateDir);
  if (damaged !== null) throw damaged;
  // A fresh key pair per process: the exchange requires one, and nothing outside this process knows it.
  const keyId = `local-${randomBytes(6).toString("hex")}`;
  const secretKey = randomBytes(24).toString("hex");
  const speed = o.speed ?? "max";
  const ex = await startExchange({
    keyId,
    secretKey,
    bars: o.series,
    ...(o.dailySeries?.length ? { dailyBars: o.dailySeries } : {}),
    ...(o.replayFromMs === undefined ? {} : { dailyHistoryUntilMs: o.replayFromMs }),
    speed,
    initialCashUsd: config.execution.initialEquityUsd,
    frictionPctRoundTrip: config.execution.frictionRoundTripPct,
    persistFile: join(o.stateDir, "exchange", "book.json"),
    partialFill: o.partialFill,
    restFault: o.restFault,
    ...o.knobs,
  });
  log.info({ url: ex.url, symbols: o.series.length, resumed: ex.resumed }, ex.resumed ? "local exchange resumed its session" : "local exchange started on 127.0.0.1");
  const all = [...o.series, ...(o.dailySeries ?? [])];
  const firstBarMs = Math.max(all.reduce((m, s) => (s.length > 0 ? Math.min(m, s.tMs[0]) : m), Infinity), o.replayFromMs ?? -Infinity);
  const symbols = [...new Set(all.map((s) => s.symbol))];
  const daemon = await Daemon.open({
    config,
    symbols,
    dailySymbols: o.dailySymbols ?? (o.slots ? undefined : (o.dailySeries ?? []).map((s) => s.symbol)),
    slots: o.slots,
    stateDir: o.stateDir,
    log,
    port: openBroker({ kind: "alpaca", keyId, secretKey, baseUrl: ex.url }),
    stocksUrl: `${ex.wsUrl}/v2/${config.daemon.feed}`,
    tradingUrl: `${ex.wsUrl}/stream`,
    broker: "local",
    clock: { nowMs: () => ex.nowMs },
    secrets: [secretKey, keyId],
    newRunStartMs: Number.isFinite(firstBarMs) ? firstBarMs : 0,
    resume: ex.resumed,
    retryDelayMs: 20,
    hooks: o.hooks,
    alerts: o.alerts,
    calendarUntilMs: all.reduce((m, s) => (s.length > 0 ? Math.max(m, s.tMs[s.length - 1]) : m), 0),
  });
  let minutes = 0;
  let recovery: RecoveryReport;
  let watch: { close(): void } | null = null;
  try {
    recovery = await daemon.start();
    watch = o.configFile ? followConfig(daemon, o.configFile, config, log) : null;
    const waitCaughtUp = (): Promise<void> => caughtUp(daemon, ex);
    // Orders the recovery sent must reach the book before the next minute can fill them.
    await waitCaughtUp();
    if (speed === "max") {
      while (!ex.done && !o.signal?.aborted) {
        // The minute's fills first, its bars once the bot has taken them (and what it sent on
        // them): on Alpaca a fill inside a minute arrives before that minute's bar does.
        ex.stepFills();
        await fillsTaken(daemon, ex);
        ex.publishHeld();
        minutes++;
        await waitCaughtUp();
        await o.onMinute?.({ exchange: ex, daemon, minute: minutes });
      }
    } else {
      const played = ex.play();
      const aborted = new Promise<void>((r) => o.signal?.addEventListener("abort", () => r(), { once: true }));
      await Promise.race([played, aborted]);
      ex.pause();
      await waitCaughtUp();
    }
  } catch (e) {
    watch?.close();
    await daemon.stop(`error: ${(e as Error).message}`, false).catch(() => undefined);
    await ex.close();
    throw e;
  }
  watch?.close();
  const stoppedEarly = o.signal?.aborted ?? false;
  // The last day's summary is due 5 minutes after its close, which no bar reaches.
  if (!stoppedEarly) daemon.advanceJobs(ex.nowMs + 30 * 60_000);
  const result = await daemon.stop(stoppedEarly ? "signal" : "replay ended", !stoppedEarly);
  const brokerOrders = ex.book.allOrders().map((x) => ({ clientOrderId: x.client_order_id, status: x.status, filledQty: Number(x.filled_qty) }));
  await ex.close();
  return {
    trades: result.trades,
    bars: result.bars,
    minutes,
    finalEquityUsd: daemon.venue.equityUsd(),
    journalDays: [...new Set(result.daily.map((d) => d.day))],
    stoppedEarly,
    recovery,
    resumed: ex.resumed,
    brokerOrders,
  };
}
