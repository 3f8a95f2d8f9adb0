import type { PlausibilityLimits } from "../data/plausibility.ts";
import { defaultLimits, PlausibilityGate } from "../data/plausibility.ts";
import type { ExBar } from "./types.ts";

/**
 * The exchange refuses to FILL at an implausible price (issue 13, item 3): one bar at 1e300 used
 * to fill resting orders there and leave $8.7e301 of cash. Each symbol's bars pass the shared
 * {@link PlausibilityGate} (`src/data/plausibility.ts`, the same check as the loaders and the
 * bot's stream input); a refused bar is counted and logged with its symbol and time, and the
 * caller neither fills on it nor takes its close as the last price. Alpaca itself fills against
 * NBBO quotes, never against a print the consolidated tape would have busted, so a paper fill at
 * an absurd print is a behaviour no real venue has.
 */
export class FillGate {
  private readonly gates = new Map<string, PlausibilityGate>();
  private readonly limits: PlausibilityLimits | null;
  /** Bars refused since start (replayed ones on resume included). */
  refused = 0;

  /**
   * `limits` undefined: the defaults at the wall clock of start-up, without the session rule (the
   * exchange's own session rules decide when a bar may fill, and generated data has weekday
   * holidays whose bars must still price). null: no check.
   */
  constructor(limits: PlausibilityLimits | null | undefined, private readonly log: (line: string) => void) {
    this.limits = limits === undefined ? { ...defaultLimits(Date.now()), checkSessions: false } : limits;
  }

  /** Whether `bar` may fill orders and price its symbol; a refusal is counted and logged. */
  admit(bar: ExBar): boolean {
    const why = this.check(bar);
    if (why === null) return true;
    this.refused++;
    this.log(`exchange: bar ${bar.symbol} ${isoOrRaw(bar.tMs)} refused for fills (${why}): open ${bar.open} high ${bar.high} low ${bar.low} close ${bar.close}`);
    return false;
  }

  /** `px` when it lies in the price range (a stand-in price for a market buy must be plausible too), else undefined. */
  inRange(px: number | undefined): number | undefined {
    if (px === undefined || this.limits === null) return px;
    return px >= this.limits.minPriceUsd && px <= this.limits.maxPriceUsd ? px : undefined;
  }

  /** Re-walks bars replayed before a restart: the same decisions, without logging them again. */
  replay(bars: readonly ExBar[]): void {
    for (const b of bars) if (this.check(b) !== null) this.refused++;
  }

  private check(bar: ExBar): string | null {
    if (this.limits === null) return null;
    // Malformed numbers are never plausible: the shared check assumes a well-formed bar.
    const ok = [bar.open, bar.high, bar.low, bar.close].every((x) => Number.isFinite(x) && x > 0) && bar.low <= Math.min(bar.open, bar.close) && bar.high >= Math.max(bar.open, bar.close);
    if (!ok) return "malformed prices";
    let gate = this.gates.get(bar.symbol);
    if (!gate) this.gates.set(bar.symbol, (gate = new PlausibilityGate(this.limits)));
    return gate.check(bar);
  }
}

function isoOrRaw(tMs: number): string {
  const d = new Date(tMs);
  return Number.isNaN(d.getTime()) ? String(tMs) : d.toISOString();
}
