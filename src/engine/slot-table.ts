import type { StrategySlot } from "../core/strategy.ts";

/**
 * Which strategy slot each symbol belongs to, with the per-symbol facts the hot path reads as
 * typed-array lookups: the slot index (-1: no strategy trades it; the broker still sees its bars),
 * whether its bars are daily, and whether its positions are held overnight.
 *
 * One symbol belongs to one slot: Alpaca nets a symbol's shares into one position per account and
 * refuses opposite orders on one symbol as potential wash trades, so two strategies on one symbol
 * in one account could not be kept apart. A symbol named by two slots is refused here.
 */
export class SlotTable {
  readonly slotOf: Int32Array;
  /** 1 when the symbol's slot decides on daily bars. */
  readonly daily: Uint8Array;
  /** 1 when the slot holds overnight (no flatten, no entry cut-off before the close). */
  readonly overnight: Uint8Array;

  constructor(
    readonly slots: readonly StrategySlot[],
    symbols: readonly string[],
  ) {
    const index = new Map(symbols.map((s, i) => [s, i]));
    this.slotOf = new Int32Array(symbols.length).fill(-1);
    this.daily = new Uint8Array(symbols.length);
    this.overnight = new Uint8Array(slots.length);
    slots.forEach((slot, k) => {
      this.overnight[k] = slot.definition.holding === "overnight" ? 1 : 0;
      for (const sym of slot.symbols) {
        const i = index.get(sym);
        // A symbol the data does not have is simply never traded.
        if (i === undefined) continue;
        const other = this.slotOf[i];
        if (other >= 0 && other !== k) throw new Error(`symbol ${sym} is in two strategies (${slots[other].definition.id} and ${slot.definition.id}): one account holds one position per symbol`);
        this.slotOf[i] = k;
        this.daily[i] = slot.definition.timeframe === "1Day" ? 1 : 0;
      }
    });
  }

  /** The slot's share of the account per symbol (the sizing layer's allocation weight). */
  weight(k: number): number {
    const s = this.slots[k];
    return s.allocation / Math.max(1, s.symbols.length);
  }
}
