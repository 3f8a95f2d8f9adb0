import type { ExitAdd, ExitPlan, ExitTarget } from "../core/strategy.ts";
import type { ScalePlan } from "../core/types.ts";

/**
 * Turns a scaling template (R multiples) into a concrete exit plan at the entry fill. R is the
 * initial risk per share (entry - stop). The stop, the time stop and the flatten stay the
 * strategy's; targets and adds come from the template. The last target whose fractions reach
 * the whole position, and an early exit, sell everything still held.
 */
export function templateExitPlan(template: ScalePlan, strategyPlan: ExitPlan, entryPriceUsd: number): ExitPlan {
  const r = entryPriceUsd - strategyPlan.stopUsd;
  const targets: ExitTarget[] = [];
  let cum = 0;
  for (const [i, t] of template.targets.entries()) {
    cum += t.fraction;
    targets.push({ label: `t${i + 1}_${t.atR}R`, priceUsd: entryPriceUsd + t.atR * r, fraction: t.fraction, rest: cum >= 1 - 1e-9 });
  }
  if (template.earlyExitR !== undefined) {
    const px = entryPriceUsd + template.earlyExitR * r;
    // Targets beyond the early exit can never be reached: the early exit sells everything first.
    const kept = targets.filter((t) => t.priceUsd < px);
    kept.push({ label: `early_exit_${template.earlyExitR}R`, priceUsd: px, fraction: 1, rest: true });
    targets.length = 0;
    targets.push(...kept);
  }
  const adds: ExitAdd[] = template.adds.map((a, index) => ({ index, priceUsd: entryPriceUsd + a.atR * r }));
  return {
    stopUsd: strategyPlan.stopUsd,
    targets,
    stopMoveAfter: null,
    trailBars: 0,
    timeStopMinutes: strategyPlan.timeStopMinutes,
    adds,
    templateName: template.name,
  };
}
