import type { RiskConfig, SizingConfig } from "../config/schema.ts";
import type { SizingDecision } from "../core/types.ts";
import { capShares, clamp } from "./caps.ts";
import type { Sizer, SizingInput } from "./sizer.ts";

/**
 * Fixed-fraction risk: risk `riskPct` of equity per trade, quantity = risk $ / R per share,
 * integer shares, then the notional and buying-power caps. The baseline every mode is measured
 * against, and the size used until the full pipeline is selected.
 */
export function createFixedFractionSizer(sizing: SizingConfig, risk: RiskConfig): Sizer {
  return {
    size(input: SizingInput): SizingDecision {
      const r = input.entryPriceUsd - input.stopUsd;
      const riskPct = clamp(sizing.riskPct, sizing.minRiskPct, sizing.maxRiskPct);
      const factors = [{ name: "risk", factor: riskPct / 100, reason: `fixed ${riskPct}% of equity` }];
      if (!(r > 0) || !(input.equityUsd > 0) || !(input.entryPriceUsd > 0)) {
        return {
          mode: "fixed",
          equityUsd: input.equityUsd,
          rPerShareUsd: r,
          riskPct: 0,
          qtyShares: 0,
          factors,
          cap: "no risk: R <= 0 or equity <= 0",
          summary: `risk ${riskPct}% -> 0 sh (R <= 0 or no equity)`,
        };
      }
      const want = (input.equityUsd * riskPct) / 100 / r;
      const { qtyShares, cap } = capShares(want, input.entryPriceUsd, {
        maxNotionalUsd: risk.maxNotionalUsd,
        buyingPowerUsd: input.buyingPowerUsd,
      });
      const finalRiskPct = ((qtyShares * r) / input.equityUsd) * 100;
      return {
        mode: "fixed",
        equityUsd: input.equityUsd,
        rPerShareUsd: r,
        riskPct: finalRiskPct,
        qtyShares,
        factors,
        cap,
        summary: `risk ${riskPct}% -> ${finalRiskPct.toFixed(2)}% -> ${qtyShares} sh (cap: ${cap ?? "none"})`,
      };
    },
  };
}
