import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { BarSeries } from "../core/bars.ts";
import type { TradeRecord } from "../core/types.ts";
import type { Config } from "../config/schema.ts";
import { SeededRng } from "../core/rng.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";
import { Engine } from "../engine/engine.ts";
import { LearningState } from "../engine/learning.ts";
import { createSizer } from "../sizing/pipeline.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { startExchange } from "../exchange/server.ts";
import { createAlpacaClient } from "../adapters/alpaca/client.ts";
import { AlpacaVenue } from "../adapters/alpaca/venue.ts";
import { Journal } from "../store/journal.ts";
import { FileStateStore } from "../store/state-store.ts";
import { journalEvents } from "./journal-events.ts";

export interface LocalRunOptions {
  readonly config: Config;
  readonly series: readonly BarSeries[];
  readonly stateDir: string;
  readonly log: Logger;
  /** Aborting stops the replay after the current minute; state and journal are flushed, sockets closed. */
  readonly signal?: AbortSignal;
}

export interface LocalRunResult {
  readonly trades: readonly TradeRecord[];
  readonly bars: number;
  readonly minutes: number;
  readonly finalEquityUsd: number;
  readonly journalDays: readonly string[];
  readonly stoppedEarly: boolean;
}

/** Resolves when `cond` holds, checking after each turn of the event loop (bounded, so a stuck stream fails loudly). */
async function settle(cond: () => boolean, what: () => string, maxMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > maxMs) throw new Error(`replay stalled waiting for ${what()}`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * The daemon on the embedded local exchange: the exchange replays the bars, the bot trades them
 * through the official SDK exactly as it would Alpaca paper (REST orders, msgpack bar stream,
 * trade_updates stream). The replay runs in lock step, "as fast as the bot consumes": the next
 * minute is published only when the bot has taken every bar and order update of the last one
 * and has no request under way, so runs are reproducible.
 */
export async function runLocal(o: LocalRunOptions): Promise<LocalRunResult> {
  const { config, log } = o;
  // A fresh key pair per run: the exchange requires one, and nothing outside this process knows it.
  const keyId = `local-${randomBytes(6).toString("hex")}`;
  const secretKey = randomBytes(24).toString("hex");
  let barsPublished = 0;
  let barsSeen = 0;
  let updatesPublished = 0;
  const ex = await startExchange({
    keyId,
    secretKey,
    bars: o.series,
    speed: "max",
    initialCashUsd: config.execution.initialEquityUsd,
    frictionPctRoundTrip: config.execution.frictionRoundTripPct,
    onMinute: (n) => (barsPublished += n),
  });
  ex.book.onUpdate(() => updatesPublished++);
  log.info({ url: ex.url, symbols: o.series.length }, "local exchange started on 127.0.0.1");
  const journal = Journal.open(o.stateDir, { secrets: [secretKey, keyId], now: () => ex.nowMs });
  const { store, issue } = await FileStateStore.open(o.stateDir, { onCorrupt: "reset" });
  const ny = new NyTime();
  const today = (): string => etDayToIso(ny.etDay(ex.nowMs));
  if (issue) journal.append(today(), "state_recovered", { problem: issue.message });
  journal.append(today(), "startup", { broker: "local", symbols: o.series.map((s) => s.symbol), sizingMode: config.sizing.mode });

  const alpaca = createAlpacaClient({ keyId, secretKey, baseUrl: ex.url });
  const ref: { venue?: AlpacaVenue } = {};
  const events = journalEvents(journal, () => ex.nowMs);
  const symbols = o.series.map((s) => s.symbol);
  const engine = new Engine({
    config,
    symbols,
    strategy: createBearTrap(config.strategy),
    sizer: createSizer(config),
    learning: new LearningState(config, new SeededRng(config.execution.seed)),
    events: {
      ...events,
      dayEnd: (d, equity) => {
        events.dayEnd?.(d, equity);
        store.raiseEquityHighWater(equity);
        void store.commit();
      },
    },
    venue: AlpacaVenue.factory(
      alpaca,
      {
        submitted: (i) => {
          store.recordIntent(i.clientOrderId, i);
          store.markSubmitted(i.clientOrderId);
          journal.append(today(), "order_submitted", { clientOrderId: i.clientOrderId, symbol: i.symbol, side: i.side, orderType: i.type, qty: i.qtyShares, limit: i.limitPriceUsd ?? null, stop: i.stopPriceUsd ?? null, purpose: i.purpose });
        },
        acknowledged: (i, id) => store.markAcknowledged(i.clientOrderId, id),
        rejected: (i, reason) => {
          store.markRejected(i.clientOrderId, reason);
          journal.append(today(), "order_update", { clientOrderId: i.clientOrderId, event: "rejected", reason });
          log.warn({ clientOrderId: i.clientOrderId, reason }, "order rejected");
        },
        update: (event, coid, detail) => journal.append(today(), "order_update", { clientOrderId: coid, event, ...detail }),
      },
      ref,
      { nowMs: () => ex.nowMs },
    ),
  });
  const venue = ref.venue;
  if (!venue) throw new Error("venue was not built");
  await venue.refreshAccount();

  const symId = new Map(symbols.map((s, i) => [s, i]));
  const stocks = alpaca.marketData.stockStream({ feed: "iex", url: `${ex.wsUrl}/v2/iex`, pingIntervalMs: 60_000 });
  stocks.onBar((b) => {
    barsSeen++;
    const id = symId.get(b.symbol);
    if (id === undefined) return;
    try {
      engine.onBar(id, b.timestamp.getTime(), b.open, b.high, b.low, b.close, b.volume);
    } catch (e) {
      // One bad bar or bug must not stop the daemon: say what and where, journal it, go on.
      const message = `bar ${b.symbol} ${b.timestamp.toISOString()}: ${(e as Error).message}`;
      log.error({ err: e }, message);
      journal.append(today(), "error", { message });
    }
  });
  stocks.onConnect(() => stocks.subscribeForBars(symbols));
  const trading = alpaca.trading.stream({ url: `${ex.wsUrl}/stream`, pingIntervalMs: 60_000 });
  trading.onTradeUpdate((u) => {
    try {
      venue.onTradeUpdate(u);
    } catch (e) {
      // The SDK swallows a handler's exception: say what and where, journal it, go on.
      const message = `trade update ${u.event} for ${u.order.clientOrderId ?? u.order.id ?? "?"}: ${(e as Error).message}`;
      log.error({ err: e }, message);
      journal.append(today(), "error", { message });
    }
  });
  trading.onConnect(() => trading.subscribeTradeUpdates());
  stocks.connect();
  trading.connect();
  let minutes = 0;
  try {
    await stocks.whenAuthenticated();
    await trading.whenAuthenticated();
    // The subscription acks land after authentication; give them a moment before the first bar.
    await new Promise((r) => setTimeout(r, 200));
    while (!ex.done && !o.signal?.aborted) {
      ex.stepBars(1);
      minutes++;
      await settle(
        () => barsSeen === barsPublished && venue.inflight === 0 && venue.updatesSeen === updatesPublished,
        () => `bars ${barsSeen}/${barsPublished}, updates ${venue.updatesSeen}/${updatesPublished}, requests ${venue.inflight}`,
      );
    }
  } finally {
    stocks.disconnect();
    trading.disconnect();
  }
  const result = engine.finish();
  journal.append(today(), "shutdown", { reason: o.signal?.aborted ? "signal" : "replay ended", trades: result.trades.length, equityUsd: venue.equityUsd() });
  await store.commit();
  journal.close();
  await ex.close();
  return {
    trades: result.trades,
    bars: result.bars,
    minutes,
    finalEquityUsd: venue.equityUsd(),
    journalDays: [...new Set(result.daily.map((d) => d.day))],
    stoppedEarly: o.signal?.aborted ?? false,
  };
}
