import type { Execution, FeedBar } from "../broker/port.ts";

const MIN_MS = 60_000;

/**
 * The replay minute a fill belongs to, from its transaction time (a broker stamps a fill when it
 * happens; ids are never read). A fill stamped exactly on a minute's edge is ambiguous: a fill
 * known at the end of a bar (the local exchange stamps a fill inside a bar at the bar's end) or
 * one at the next bar's open. It is put with the bar that ends there: an inside-bar fill then
 * comes before that bar, as it did live, and an open fill still waits for its order, which the
 * engine makes at that bar's close (replayInOrder never applies a fill before its order exists).
 */
export function minuteOfTime(x: Execution): number {
  const m = Math.floor(x.timeMs / MIN_MS) * MIN_MS;
  return m === x.timeMs ? m - MIN_MS : m;
}

export interface ReplaySink {
  /** True once the engine has made the order the execution fills (its intent exists). */
  canApply(x: Execution): boolean;
  apply(x: Execution): void;
  bar(b: FeedBar): void;
  /** Where the engine is in the bar sequence (see barPosition); needed only with recorded positions. */
  position?(): number;
}

/**
 * A point in the bar sequence that does not depend on how bars of one minute were ordered, nor
 * on a bar of an earlier minute that one run saw and another did not: the latest bar minute
 * processed plus how many bars of that minute were processed (fewer than 60,000 symbols).
 */
export function barPosition(latestMinuteMs: number, barsOfThatMinute: number): number {
  return latestMinuteMs + barsOfThatMinute;
}

/**
 * Feeds bars and fills to the engine in the order the live bot saw them. A fill the bot applied
 * while running has its position recorded (the bar position at that moment, in the write-ahead
 * log): it goes back exactly there, because a broker that runs ahead of the bot, or a stream that
 * lags, delivers fills later than the minute they happened in, and the bot decided on what it
 * had. A fill the bot never saw (it was down) goes in broker order, every fill of minute t before
 * the bars of minute t (the broker reports fills during a minute and publishes its bar when the
 * minute closes), but never before a fill the bot did see. A fill whose order the engine has not
 * made yet waits for it; what never becomes applicable is returned for the reconciler.
 */
export function replayInOrder(
  bars: readonly FeedBar[],
  execs: readonly Execution[],
  minuteOf: (x: Execution) => number,
  sink: ReplaySink,
  recordedPosition: (x: Execution) => number | undefined = () => undefined,
  /** Where a bar sits in time for the fills around it (a daily bar: its close's last minute); default its own time. */
  timeOf: (b: FeedBar) => number = (b) => b.tMs,
): Execution[] {
  const recorded: { x: Execution; i: number; p: number }[] = [];
  const loose: { x: Execution; i: number; m: number }[] = [];
  execs.forEach((x, i) => {
    const p = recordedPosition(x);
    if (p === undefined) loose.push({ x, i, m: minuteOf(x) });
    else recorded.push({ x, i, p });
  });
  recorded.sort((a, b) => a.p - b.p || a.i - b.i);
  loose.sort((a, b) => a.m - b.m || a.i - b.i);
  const lastSeen = recorded.length > 0 ? recorded[recorded.length - 1].p : -Infinity;
  const where = (): number => sink.position?.() ?? -Infinity;
  let r = 0;
  let l = 0;
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
  for (const b of bars) {
    const here = where();
    while (r < recorded.length && recorded[r].p <= here) due.push(recorded[r++].x);
    if (r === recorded.length && here >= lastSeen) while (l < loose.length && loose[l].m <= timeOf(b)) due.push(loose[l++].x);
    flush();
    sink.bar(b);
  }
  while (r < recorded.length) due.push(recorded[r++].x);
  while (l < loose.length) due.push(loose[l++].x);
  flush();
  return due;
}
