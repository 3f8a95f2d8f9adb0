/**
 * Base layer: a fixed fraction of equity at risk per trade. The configured % is clamped into
 * [minRiskPct, maxRiskPct] exactly as fixed-fraction risk does, so `fixed` mode and
 * the baseline agree share for share.
 */
export function baseRiskPct(riskPct: number, minRiskPct: number, maxRiskPct: number): number {
  return riskPct < minRiskPct ? minRiskPct : riskPct > maxRiskPct ? maxRiskPct : riskPct;
}

/** Dollars at risk: equity x riskPct / 100. */
export function baseRiskUsd(equityUsd: number, riskPct: number): number {
  return (equityUsd * riskPct) / 100;
}

/**
 * Shares (fractional, before caps and flooring) that risk `riskPct` of equity with R per share.
 * Evaluated as (equity x riskPct) / 100 / R, the baseline's exact order of operations, so equal
 * inputs give bit-identical quantities. 0 when R or equity is not positive.
 */
export function baseQuantity(equityUsd: number, riskPct: number, rPerShareUsd: number): number {
  if (!(rPerShareUsd > 0) || !(equityUsd > 0) || !(riskPct > 0)) return 0;
  return (equityUsd * riskPct) / 100 / rPerShareUsd;
}
