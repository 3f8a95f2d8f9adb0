import type { Rng } from "../core/rng.ts";

/**
 * Where the chaos run's kills fall, decided before the run starts (issue 13, item 8). The run's
 * minutes are cut into `kills` equal slots and each slot gets one kill at a seeded minute inside
 * it, so every kill asked for has a place as long as the replay has at least two minutes per
 * kill. The old scheduler drew each gap from what was left and counted only its own loop's
 * minutes (not the minutes stepped while the bot was down or waiting for a partial fill), so it
 * ran out of replay before it ran out of kills: `--kills 150` made 33.
 *
 * Returns the 1-based replay minutes (ascending, distinct) at which a kill is due; fewer than
 * `kills` only when `totalMinutes` cannot hold them (one per minute at most, never at minute 0).
 */
export function planKills(kills: number, totalMinutes: number, rng: Rng): number[] {
  const n = Math.max(0, Math.min(Math.floor(kills), totalMinutes - 1));
  if (n === 0) return [];
  // The last minute is left out: a kill there would find no minute to resume into.
  const usable = totalMinutes - 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * usable) / n) + 1;
    const to = Math.floor(((i + 1) * usable) / n); // inclusive; to >= from because n <= usable
    out.push(from + Math.floor(rng.next() * (to - from + 1)));
  }
  return out;
}

/**
 * The kills still owed at replay minute `minute`: how many planned minutes have passed. A kill
 * that could not happen on its minute (the replay was waiting for a partial fill, or the bot was
 * restarting) stays owed and happens on the next minute the driver can act, so none is lost.
 */
export class KillPlan {
  private next = 0;
  constructor(private readonly minutes: readonly number[]) {}

  /** Kills planned in total. */
  get planned(): number {
    return this.minutes.length;
  }

  /** True when a kill is due at or before `minute`; consumes it. */
  take(minute: number): boolean {
    if (this.next < this.minutes.length && this.minutes[this.next] <= minute) {
      this.next++;
      return true;
    }
    return false;
  }

  /** Minutes until the next planned kill (Infinity when none is left); a partial-fill wait stops there. */
  minutesToNext(minute: number): number {
    return this.next < this.minutes.length ? Math.max(0, this.minutes[this.next] - minute) : Infinity;
  }
}
