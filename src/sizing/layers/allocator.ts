import { allocateTrades, type AllocationResult } from "../../whatif/allocate.ts";
import type { AllocatorView } from "../allocator.ts";
import { fixed1, fmtFactor, fmtPct } from "../layer.ts";
import { defineSizingLayer } from "./types.ts";

/**
 * The allocator (seeds/003 "Strategy Allocator", `replay --allocate`) as a layer. From the
 * strategies' trades closed before the decision (LearningState's AllocatorView) it runs the very
 * function replay runs, allocateTrades: each strategy starts at half Kelly, its peak risk is that
 * times its most trades open at once, all are scaled together to fit sizing.allocator.totalRiskPct,
 * and a strategy's weight w is its share of the summed peak risk. Then
 *
 *   factor = w / s,   s = the strategy's configured allocation / the sum of all configured allocations
 *
 * so a strategy the allocator weighs above its configured share is sized up, one below it down,
 * and a portfolio whose allocations already match the allocator is unchanged (every factor 1).
 * A weight of 0 (no edge) gives floorFactor, so the strategy still trades and can recover. The
 * total-risk limit scales every strategy alike, so it does not move w (the reason reports it);
 * the caps bound the size whatever the factor.
 *
 * Neutral 1.0, with the reason, until every configured strategy has minTrades closed trades.
 */
export const allocLayer = defineSizingLayer({
  name: "allocator",
  description: "allocator weight across strategies (per-strategy half Kelly under a total-risk limit) / the configured share",
  create(setup) {
    const cfg = setup.sizing.allocator;
    let memoView: AllocatorView | null = null;
    let memo: { result: AllocationResult; counts: Map<string, number>; ids: string[]; total: number } | null = null;

    function resolve(view: AllocatorView, strategyId: string): NonNullable<typeof memo> {
      if (memo !== null && view === memoView && memo.ids.includes(strategyId)) return memo;
      // The configured strategies, or (none configured) those with history plus the asking one.
      const ids = view.allocations.size > 0 ? [...view.allocations.keys()] : [...new Set([...view.trades.map((t) => t.strategy), strategyId])];
      const trades = view.allocations.size > 0 ? view.trades.filter((t) => view.allocations.has(t.strategy)) : view.trades;
      const counts = new Map<string, number>(ids.map((id) => [id, 0]));
      for (const t of trades) counts.set(t.strategy, (counts.get(t.strategy) ?? 0) + 1);
      const total = view.allocations.size > 0 ? [...view.allocations.values()].reduce((a, b) => a + b, 0) : ids.length;
      memo = { result: allocateTrades(trades, cfg.totalRiskPct / 100), counts, ids, total };
      memoView = view;
      return memo;
    }

    return {
      name: "allocator",
      apply(input, ctx) {
        const view = ctx.learned.allocator ?? null;
        const id = input.signal.strategyId;
        if (view === null) return { factor: 1, reason: "allocator: no allocator history given: neutral" };
        if (view.allocations.size > 0 && !view.allocations.has(id)) return { factor: 1, reason: `allocator: strategy ${id} has no configured allocation: neutral` };
        const m = resolve(view, id);
        for (const s of m.ids) {
          const n = m.counts.get(s) ?? 0;
          if (n < cfg.minTrades) return { factor: 1, reason: `allocator: ${s} has ${n} < ${cfg.minTrades} closed trades: neutral` };
        }
        const row = m.result.rows.find((r) => r.strategy === id);
        const share = (view.allocations.size > 0 ? view.allocations.get(id)! : 1) / m.total;
        const w = row?.weight ?? 0;
        const limit = m.result.scale < 1 ? `scaled x${m.result.scale.toFixed(3)} to the ${fmtPct(cfg.totalRiskPct)}% total-risk limit` : `${fmtPct(cfg.totalRiskPct)}% total-risk limit not binding`;
        const why = `half Kelly ${fixed1((row?.startFraction ?? 0) * 100)}%, max open ${row?.maxConcurrent ?? 0}; ${limit}`;
        if (!(w > 0)) return { factor: cfg.floorFactor, reason: `allocator: ${id} has no edge (weight 0; ${why}): floor x${fmtFactor(cfg.floorFactor)}` };
        const raw = w / share;
        const factor = raw > cfg.floorFactor ? raw : cfg.floorFactor;
        return {
          factor,
          reason: `allocator: weight ${fixed1(w * 100)}% / share ${fixed1(share * 100)}% (${why})${raw > cfg.floorFactor ? "" : `, floor x${fmtFactor(cfg.floorFactor)}`}`,
        };
      },
    };
  },
});
