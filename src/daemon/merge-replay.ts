import type { Execution } from "../adapters/alpaca/venue.ts";
import type { FeedBar } from "./broker-history.ts";

const MIN_MS = 60_000;

/** The replay minute a fill belongs to: from its time (a real broker's fills are stamped when they happen). */
export function minuteOfTime(x: Execution): number {
  return Math.floor(x.timeMs / MIN_MS) * MIN_MS;
}

/**
 * The local exchange stamps a fill inside a bar at the bar's end and a fill at the next bar's
 * open at that bar's start: the same instant. It writes the minute the fill happened in at the
 * head of the execution id (`YYYYMMDDHHMMSSmmm::...`, UTC, as Alpaca's ids look), which settles it.
 */
export function minuteOfLocalId(x: Execution): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})::/.exec(x.executionId);
  if (m === null) return minuteOfTime(x);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]);
}

export interface ReplaySink {
  /** True once the engine has made the order the execution fills (its intent exists). */
  canApply(x: Execution): boolean;
  apply(x: Execution): void;
  bar(b: FeedBar): void;
}

/**
 * Feeds bars and fills to the engine in the order the live bot saw them: every fill of minute t
 * (and earlier) before the bars of minute t, because the broker reports fills during a minute
 * and publishes its bar when the minute closes. A fill whose order the engine has not made yet
 * waits for it; what never becomes applicable is returned for the reconciler.
 */
export function replayInOrder(bars: readonly FeedBar[], execs: readonly Execution[], minuteOf: (x: Execution) => number, sink: ReplaySink): Execution[] {
  const queue = execs.map((x, i) => ({ x, i, m: minuteOf(x) })).sort((a, b) => a.m - b.m || a.i - b.i);
  let next = 0;
  let due: Execution[] = [];
  const flush = (): void => {
    // Applying one fill can make the order another fill belongs to: go round until nothing moves.
    for (let progress = true; progress && due.length > 0; ) {
      const waiting: Execution[] = [];
      for (const x of due) {
        if (sink.canApply(x)) sink.apply(x);
        else waiting.push(x);
      }
      progress = waiting.length < due.length;
      due = waiting;
    }
  };
  for (let i = 0; i < bars.length; ) {
    const t = bars[i].tMs;
    while (next < queue.length && queue[next].m <= t) due.push(queue[next++].x);
    flush();
    for (; i < bars.length && bars[i].tMs === t; i++) sink.bar(bars[i]);
  }
  while (next < queue.length) due.push(queue[next++].x);
  flush();
  return due;
}
