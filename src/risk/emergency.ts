import type { EmergencyConfig } from "../config/schema.ts";
import { drawdownPct } from "../sizing/drawdown.ts";
import { fmtPct } from "../sizing/layer.ts";

/**
 * The emergency conditions of config `risk.emergency`, watched over a run: each answers the
 * reason to trip the kill switch, at the moment it becomes true, or null. Pure: fed the run's
 * events in order, it answers the same in a live run and in the replay of that run after a restart.
 *
 * - drawdown: the drawdown from the run's high-water mark (its starting equity, raised by every
 *   equity seen) reaches `sizing.drawdown.haltAtPct` (the drawdown ladder's emergency level, not a
 *   second threshold); trips when it is crossed, not on every check while beyond it, so a resume
 *   is not undone by the next check.
 * - losing sessions in a row: a session whose end equity is below the previous session's end.
 * - the daily loss limit: the engine halts for the day; this makes it hold until resumed.
 */
export class EmergencyMonitor {
  private lastDayEndUsd = Number.NaN;
  private streak = 0;
  private beyondDrawdown = false;
  private highWaterUsd = Number.NaN;

  constructor(
    private readonly cfg: EmergencyConfig,
    private readonly drawdownHaltPct: number,
  ) {}

  /** The equity the run started with (the first session's baseline). */
  begin(startEquityUsd: number): void {
    this.lastDayEndUsd = startEquityUsd;
    this.highWaterUsd = startEquityUsd;
    this.streak = 0;
    this.beyondDrawdown = false;
  }

  /** Losing sessions in a row so far. */
  get losingStreak(): number {
    return this.streak;
  }

  /** A session ended with this equity. */
  dayEnd(day: string, equityUsd: number): string | null {
    if (!Number.isFinite(equityUsd)) return null;
    const prev = this.lastDayEndUsd;
    this.lastDayEndUsd = equityUsd;
    // Half a cent: equity that only moved by decimal-string rounding did not lose.
    const losing = Number.isFinite(prev) && equityUsd < prev - 0.005;
    this.streak = losing ? this.streak + 1 : 0;
    const limit = this.cfg.maxConsecutiveLosingDays;
    if (limit === 0 || !losing || this.streak < limit) return null;
    return `${this.streak} losing session${this.streak === 1 ? "" : "s"} in a row (through ${day}, equity $${equityUsd.toFixed(2)}): risk.emergency.maxConsecutiveLosingDays is ${limit}`;
  }

  /** Equity now (a trade closed, a session ended), against the high-water mark. */
  equity(equityUsd: number): string | null {
    if (!Number.isFinite(equityUsd)) return null;
    if (!(equityUsd <= this.highWaterUsd)) this.highWaterUsd = equityUsd;
    if (!this.cfg.onDrawdown) return null;
    const highWaterUsd = this.highWaterUsd;
    const dd = drawdownPct(equityUsd, highWaterUsd);
    const beyond = dd >= this.drawdownHaltPct;
    const crossed = beyond && !this.beyondDrawdown;
    this.beyondDrawdown = beyond;
    if (!crossed) return null;
    return `drawdown ${dd.toFixed(1)}% from the high-water mark $${highWaterUsd.toFixed(2)} reached sizing.drawdown.haltAtPct ${fmtPct(this.drawdownHaltPct)}%`;
  }

  /** The engine halted entries for the day on the daily loss limit (`reason`: its words). */
  dailyLoss(reason: string): string | null {
    return this.cfg.onDailyLoss ? `${reason} hit (risk.emergency.onDailyLoss)` : null;
  }
}
