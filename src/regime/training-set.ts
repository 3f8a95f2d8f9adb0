import { createHash } from "node:crypto";
import type { BarBatch, BarSource } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import type { Fill, Signal } from "../core/types.ts";
import { NyTime, etToUtcMs } from "../core/ny-time.ts";
import { REGULAR_SESSION } from "../core/market-calendar.ts";
import { strategyParams } from "../config/strategy-params.ts";
import { runBacktest } from "../backtest/run.ts";
import { withMode } from "../backtest/compare.ts";
import { tappedSource } from "../data/tapped-source.ts";
import { ENTRY_FEATURE_NAMES } from "../features/catalogue.ts";
import type { NamedFeatures } from "../features/entry-features.ts";
import type { Regime } from "../sizing/regime-port.ts";
import { PathLabel } from "./labels.ts";

/** One labelled trade: its entry-time features and what its path after entry did. */
export interface RegimeSample {
  readonly tradeId: string;
  readonly symbol: string;
  /** The entry fill. */
  readonly entryTimeMs: number;
  /** When the label became known (the bar that decided it, or the horizon's end): a walk-forward purges by this. */
  readonly labelKnownMs: number;
  /** Every entry feature, ENTRY_FEATURE_NAMES order (NaN where an indicator was still warming up). */
  readonly features: Float64Array;
  readonly label: Regime;
  /** The trade's outcome as the backtester closed it (fixed sizing, the strategy's own exits). */
  readonly rMultiple: number;
  readonly pnlUsd: number;
}

export interface RegimeSampleSet {
  readonly featureNames: readonly string[];
  readonly samples: readonly RegimeSample[];
  /** Trades the backtest closed. */
  readonly trades: number;
  /** Trades left out because the data ended before their label horizon did. */
  readonly unfinished: number;
  readonly bars: number;
  readonly symbols: readonly string[];
  /** First bar's start and last bar's end (NaN without bars). */
  readonly firstMs: number;
  readonly endMs: number;
  /** SHA-1 of the symbols and every bar fed to the backtest: the model's data fingerprint. */
  readonly fingerprint: string;
}

const MIN_MS = 60_000;

interface Tracker {
  readonly id: string;
  readonly signal: Signal;
  readonly features: Float64Array;
  readonly entryMs: number;
  /** Bars with entryMs <= tMs < endMs make the path. */
  readonly endMs: number;
  readonly label: PathLabel;
  knownMs: number;
}

/**
 * Runs the backtester over the window with fixed sizing (the strategy's own trades, unaffected by
 * any learned layer or earlier regime model) and labels each trade from its path: features from
 * the engine at the signal (bars up to the signal bar), labels from the bars of that symbol that
 * start at or after the entry fill (strictly after the entry bar), up to the label horizon
 * (config regime.labels.horizon). The path is read behind the engine, from batches it has already
 * consumed, so nothing the engine decides can depend on it.
 */
export function collectRegimeSamples(input: { config: Config; source: BarSource; fromMs?: number; toMs?: number; onProgress?: (bars: number) => void }): RegimeSampleSet {
  const config = withMode(input.config, "fixed");
  const lab = config.regime.labels;
  // The flatten minute of a full day: flattenMinutesBeforeClose before a 16:00 close.
  const flattenMinute = REGULAR_SESSION.closeMinute - config.session.flattenMinutesBeforeClose;
  const horizonMs = lab.horizon === "time_stop" ? strategyParams(config, "bear-trap").timeStopMinutes * MIN_MS : Infinity;
  const ny = new NyTime();
  const symbols = input.source.symbols;
  const open: Tracker[][] = symbols.map(() => []);
  const closed = new Map<string, Tracker>();
  const atSignal: ({ signal: Signal; features: NamedFeatures } | null)[] = symbols.map(() => null);
  const hash = createHash("sha1").update(JSON.stringify(symbols));
  let bars = 0;
  let firstMs = NaN;
  let lastMs = NaN;
  let unfinished = 0;

  const finish = (tr: Tracker, knownMs: number): void => {
    tr.knownMs = knownMs;
    closed.set(tr.id, tr);
  };

  function onConsumed(b: BarBatch): void {
    const n = b.length;
    for (const col of [b.symId, b.tMs, b.open, b.high, b.low, b.close, b.volume]) hash.update(new Uint8Array(col.buffer, col.byteOffset, n * col.BYTES_PER_ELEMENT));
    if (bars === 0) firstMs = b.tMs[0];
    bars += n;
    lastMs = b.tMs[n - 1];
    for (let i = 0; i < n; i++) {
      const list = open[b.symId[i]];
      if (list.length === 0) continue;
      const t = b.tMs[i];
      for (let k = list.length - 1; k >= 0; k--) {
        const tr = list[k];
        if (t < tr.entryMs) continue;
        if (t >= tr.endMs) finish(tr, tr.endMs);
        else if (tr.label.onBar(b.high[i], b.low[i])) finish(tr, t + MIN_MS);
        else continue;
        list.splice(k, 1);
      }
    }
  }

  function onFill(f: Fill): void {
    if (f.purpose !== "entry") return;
    const seen = atSignal[f.symId];
    // Later pieces of a split entry fill belong to the position already tracked.
    if (seen === null) return;
    atSignal[f.symId] = null;
    const etDay = ny.etDay(f.timeMs);
    const endMs = Math.min(f.timeMs + horizonMs, etToUtcMs(etDay, flattenMinute));
    const label = new PathLabel(f.priceUsd, seen.signal.stopPriceUsd ?? NaN, lab);
    const tr: Tracker = { id: f.clientOrderId, signal: seen.signal, features: Float64Array.from(seen.features.values), entryMs: f.timeMs, endMs, label, knownMs: NaN };
    if (label.regime !== null) finish(tr, f.timeMs);
    else open[f.symId].push(tr);
  }

  const source = tappedSource(input.source, { fromMs: input.fromMs, toMs: input.toMs, onConsumed });
  const run = runBacktest({
    config,
    source,
    onProgress: input.onProgress,
    events: {
      regime: (signal, features) => {
        atSignal[signal.symId] = { signal, features };
      },
      fill: onFill,
    },
  });
  // Paths the data stopped inside: complete if the clock passed their horizon, else unknown.
  for (const list of open) {
    for (const tr of list) {
      if (lastMs >= tr.endMs) finish(tr, tr.endMs);
      else unfinished++;
    }
  }
  const samples: RegimeSample[] = [];
  for (const t of run.engine.trades) {
    const tr = closed.get(t.id);
    if (tr === undefined) continue;
    samples.push({ tradeId: t.id, symbol: t.symbol, entryTimeMs: tr.entryMs, labelKnownMs: tr.knownMs, features: tr.features, label: tr.label.finish(), rMultiple: t.rMultiple, pnlUsd: t.pnlUsd });
  }
  return {
    featureNames: ENTRY_FEATURE_NAMES,
    samples,
    trades: run.engine.trades.length,
    unfinished,
    bars,
    symbols,
    firstMs,
    endMs: lastMs + MIN_MS,
    fingerprint: hash.digest("hex"),
  };
}
