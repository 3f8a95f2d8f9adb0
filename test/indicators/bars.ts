import type { BarView } from "../../src/core/bars.ts";
import { SeededRng } from "../../src/core/rng.ts";

/** A bar as a fresh object (the engine reuses one view; tests compare both ways). */
export function bar(etDay: number, etMinute: number, o: number, h: number, l: number, c: number, v = 1000): BarView {
  return { symId: 0, tMs: (etDay * 1440 + etMinute) * 60_000, open: o, high: h, low: l, close: c, volume: v, etDay, etMinute };
}

/**
 * Seeded random-walk sessions with the awkward cases indicators must survive: overnight gaps,
 * penny ties, zero volume, and a stretch of perfectly flat bars (zero ranges, zero movement).
 */
export function randomBars(seed: number, days = 3, perDay = 390, firstDay = 19_800): BarView[] {
  const rng = new SeededRng(seed);
  const out: BarView[] = [];
  let p = 5 + rng.next() * 20;
  for (let d = 0; d < days; d++) {
    p *= 1 + rng.normal() * 0.03;
    for (let m = 0; m < perDay; m++) {
      const flat = d === 1 && m >= 100 && m < 160;
      const o = p;
      if (!flat) p = Math.max(0.5, p * (1 + rng.normal() * 0.004));
      const c = Math.round(p * 100) / 100;
      const oo = Math.round(o * 100) / 100;
      const h = flat ? oo : Math.round(Math.max(oo, c) * (1 + rng.next() * 0.003) * 100) / 100;
      const l = flat ? oo : Math.round(Math.min(oo, c) * (1 - rng.next() * 0.003) * 100) / 100;
      const v = flat || rng.chance(0.02) ? 0 : Math.floor(rng.next() * 50_000);
      out.push(bar(firstDay + d, 570 + m, oo, h, l, flat ? oo : c, v));
    }
  }
  return out;
}
