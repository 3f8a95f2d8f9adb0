import { z } from "zod";
import { defineStrategy, type Signal } from "sizewise";

/** Long when a stock down on the day closes back above the previous bar's high; stop below that bar's low. */
export default defineStrategy({
  id: "dip-reclaim",
  description: "Buys a down day's first close above the prior bar's high; 2R target, 20-minute time stop.",
  params: z.object({
    maxDayChangePct: z.number().max(0).default(-5).describe("Only on days down at least this much (%)."),
    targetR: z.number().positive().default(2).describe("Take profit at this multiple of the risk."),
  }).strict(),
  timeframe: "1Min",
  holding: "intraday",
  indicators: () => ({ atrPeriod: 14, volumeAvgPeriod: 20 }),
  create: (p) => ({
    id: "dip-reclaim",
    createState: () => ({ prevHigh: NaN, prevLow: NaN, day: -1 }),
    onBar(s, snap, bar): Signal | null {
      const [high, low] = [s.prevHigh, s.prevLow];
      [s.prevHigh, s.prevLow] = [bar.high, bar.low];
      if (bar.etDay !== s.day) return ((s.day = bar.etDay), null);
      if (!(snap.dayChangePct <= p.maxDayChangePct) || !(bar.close > high) || !(low < bar.close)) return null;
      return { strategyId: "dip-reclaim", symbol: snap.symbol, symId: bar.symId, barTimeMs: bar.tMs, etDay: bar.etDay, refPriceUsd: bar.close,
        stopPriceUsd: low, atrUsd: snap.atr, dayChangePct: snap.dayChangePct, detail: { prevHighUsd: high } };
    },
    exitPlan: (sig, entry) => ({ stopUsd: sig.stopPriceUsd, stopMoveAfter: null, trailBars: 0, timeStopMinutes: 20,
      targets: [{ label: "target", priceUsd: entry + p.targetR * (entry - (sig.stopPriceUsd ?? entry)), fraction: 1, rest: true }] }),
  }),
});
