import type { AlpacaOrder, ExBar } from "./types.ts";

/**
 * The exchange's chaos knobs that are decided per item rather than per moment: which orders are
 * rejected after acceptance, which bars get an `updatedBars` correction. Each decision hashes a
 * seed with the item's key, so it is the same on every run and after a resume, whatever else
 * happened in between (no RNG state to save).
 */

/** A deterministic draw in [0, 1) for `key` under `seed` (FNV-1a, then an avalanche). */
export function seededDraw(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 32;
}

/** Which orders are rejected after their 200: a seeded fraction, and/or those a predicate picks (e.g. by type or side). */
export interface RejectAfterAccept {
  readonly fraction?: number;
  readonly seed?: number;
  readonly when?: (order: AlpacaOrder) => boolean;
}

export function rejectPicker(k: RejectAfterAccept | undefined): ((o: AlpacaOrder) => boolean) | undefined {
  if (!k) return undefined;
  return (o) => (k.when?.(o) ?? false) || (k.fraction !== undefined && seededDraw(k.seed ?? 0, o.client_order_id) < k.fraction);
}

/**
 * A broker that cancels resting orders on its own: each open (routed) order is canceled at a clock
 * move with probability `fraction` per minute, decided by the seed, the order id and the minute.
 */
export function brokerCancelPicker(k: { readonly fraction: number; readonly seed: number }): (o: AlpacaOrder, nowMs: number) => "canceled" | null {
  return (o, nowMs) => (seededDraw(k.seed, `${o.id}|${Math.floor(nowMs / 60_000)}`) < k.fraction ? "canceled" : null);
}

/** A seeded fraction of bars is corrected after publication (Alpaca's `updatedBars`, `T:"u"`). */
export interface Corrections {
  readonly fraction: number;
  readonly seed: number;
}

/**
 * The corrected version of `b`, or null when it is not corrected: late trades reported after the
 * minute closed, so 5% more volume at the close's price, which moves the close by a cent (kept
 * inside the bar's range) and the vwap with it. The book filled against the original bar.
 */
export function correctionOf(b: ExBar, c: Corrections | undefined): ExBar | null {
  if (!c || c.fraction <= 0 || seededDraw(c.seed, `${b.symbol}|${b.tMs}`) >= c.fraction) return null;
  const up = seededDraw(c.seed + 1, `${b.symbol}|${b.tMs}`) < 0.5;
  const close = Math.min(b.high, Math.max(b.low, Math.round((b.close + (up ? 0.01 : -0.01)) * 100) / 100));
  const extra = Math.max(1, Math.round(b.volume * 0.05));
  const volume = b.volume + extra;
  const vwap = b.vwap === undefined ? undefined : (b.vwap * b.volume + close * extra) / volume;
  const tradeCount = b.tradeCount === undefined ? undefined : b.tradeCount + 1;
  return { ...b, close, volume, ...(vwap === undefined ? {} : { vwap }), ...(tradeCount === undefined ? {} : { tradeCount }) };
}
