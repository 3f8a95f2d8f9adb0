import type { BarView } from "../core/bars.ts";

/**
 * The contract every streaming indicator meets (checked by test/indicators/contract.test.ts):
 * - `update` is O(1) and allocates nothing; it sees only the bar given and earlier ones;
 * - it returns `null` until `warmupBars` bars have been seen, then a finite number;
 * - `value` repeats the last return; `reset()` returns it to the freshly built state.
 * Session-scoped indicators restart by themselves when `bar.etDay` changes.
 */
export interface StreamingIndicator {
  readonly name: string;
  readonly warmupBars: number;
  readonly value: number | null;
  update(bar: Readonly<BarView>): number | null;
  reset(): void;
}
