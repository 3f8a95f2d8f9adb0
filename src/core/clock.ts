/** Time comes from here, never from Date.now() in decision code: backtests inject a replay clock. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock the caller moves: the backtester sets it to each bar's time. */
export class ManualClock implements Clock {
  constructor(private tMs = 0) {}
  nowMs(): number {
    return this.tMs;
  }
  set(tMs: number): void {
    this.tMs = tMs;
  }
}
