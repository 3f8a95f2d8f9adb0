import type { FeedBar } from "../broker/port.ts";
import { etToUtcMs, NyTime } from "../core/ny-time.ts";
import type { StartupHost } from "./startup-host.ts";

const ny = new NyTime();

/** Calendar days that hold `sessions` NYSE sessions with room to spare (252 a year, holidays and a long weekend). */
export function lookbackDays(sessions: number): number {
  return Math.ceil((sessions * 365) / 252) + 10;
}

/**
 * Of `bars` (any symbols, any order), each symbol's last `n` whose session closed at or before
 * `startMs`, in time order. `closeOf` gives a bar's session close (NaN: no session, skipped).
 */
export function lastClosedBefore(bars: readonly FeedBar[], n: number, startMs: number, closeOf: (b: FeedBar) => number): FeedBar[] {
  const bySymbol = new Map<string, FeedBar[]>();
  for (const b of bars) {
    const c = closeOf(b);
    if (!(c <= startMs)) continue;
    const list = bySymbol.get(b.symbol) ?? [];
    list.push(b);
    bySymbol.set(b.symbol, list);
  }
  const out: FeedBar[] = [];
  for (const list of bySymbol.values()) out.push(...list.sort((a, b) => a.tMs - b.tMs).slice(-n));
  return out.sort((a, b) => a.tMs - b.tMs || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/**
 * The daily strategies' warm-up: the `dailyWarmupBars` sessions before the run's start, fetched
 * over the port as 1Day bars and fed to `engine.warmUp` (state advances, nothing is traded).
 *
 * The rule over restarts: warm-up is anchored to the RUN's start (`run.startMs`, fixed in the run
 * record), not to the process's. Every process rebuilds the engine from scratch and replays the
 * run from its start, so each one feeds the same warm-up bars once, then the run's own bars; a
 * bar of the run (its session closes after the run's start) is never warm-up, and a warm-up bar
 * (closed by the run's start) is never replayed as the run's. A restart therefore ends in the
 * state of an uninterrupted process, warmed up once.
 * Returns how many bars were fed. A broker that fails to serve them is the caller's to report:
 * the run goes on cold.
 */
export async function warmUpDaily(h: StartupHost, startMs: number): Promise<number> {
  const n = h.dailyWarmupBars;
  const syms = h.o.symbols.filter((s) => h.daily.has(s));
  if (n <= 0 || syms.length === 0) return 0;
  const fromMs = etToUtcMs(ny.etDay(startMs) - lookbackDays(n), 0);
  const fetched = await h.o.port.bars(syms, fromMs, "1Day", h.o.config.daemon.feed);
  const ids = new Map(h.o.symbols.map((s, i) => [s, i]));
  let fed = 0;
  for (const b of lastClosedBefore(fetched, n, startMs, (x) => h.daily.closeOfBar(x))) {
    const id = ids.get(b.symbol);
    if (id === undefined || h.input.restDailyBar(b) === null) continue;
    if (h.engine.warmUp(id, b.tMs, b.open, b.high, b.low, b.close, b.volume)) fed++;
  }
  return fed;
}
