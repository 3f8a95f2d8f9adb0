import { systemClock } from "../core/clock.ts";
import { limitsFromConfig, type PlausibilityLimits } from "../data/plausibility.ts";
import type { DaemonOptions } from "./daemon-options.ts";
import type { DedupingJournal } from "./journal-dedupe.ts";
import { StreamInput } from "./stream-input.ts";

const DAY_MS = 86_400_000;

/** The daemon's boundary check and the one limit of it that moves while the daemon runs. */
export interface InputGate {
  /** Bars and trade updates refused at the boundary (malformed, out of range), counted by source and reason. */
  readonly input: StreamInput;
  /** "Now + a day" moves with the wall clock: a daemon that runs for weeks keeps taking today's bars. */
  moveFutureBound(): void;
}

/**
 * The daemon's StreamInput, every refusal logged and journaled (as a rejection; an undocumented
 * trade-update event as a reconcile note). Apart from daemon.ts because what is refused, and how it
 * is reported, is the boundary's business, not the trading loop's.
 */
export function inputGate(o: DaemonOptions, journal: DedupingJournal, today: () => string): InputGate {
  // Sessions are the engine's (from the broker's calendar), so the stream gate checks time, price
  // and jumps. "Now" for the future bound is the machine's wall clock, not the run's clock: a
  // replay's clock sits at the last bar, and the next session's first bar is days after it.
  // Shared by every symbol's gate, so moving its bound here moves theirs.
  const limits: { -readonly [K in keyof PlausibilityLimits]: PlausibilityLimits[K] } = { ...limitsFromConfig(o.config.data, systemClock.nowMs()), checkSessions: false };
  const input = new StreamInput(
    new Set(o.symbols),
    (r, total) => {
      o.log.warn({ source: r.source, where: r.where, total }, `input refused: ${r.reason}`);
      journal.append(today(), "rejection", { source: r.source, symbol: r.symbol, where: r.where, reason: r.reason, refusedSoFar: total });
    },
    50,
    (event, where) => {
      o.log.warn({ event, where }, "trade update of an undocumented event type: taken and journaled");
      journal.append(today(), "reconcile", { kind: "unknown_event", event, where });
    },
    limits,
  );
  return {
    input,
    moveFutureBound: () => {
      limits.maxTimeMs = systemClock.nowMs() + o.config.data.maxFutureDays * DAY_MS;
    },
  };
}
