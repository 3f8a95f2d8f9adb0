import type { Regime } from "../regime-port.ts";
import { FAIL_SAFE_REGIME_CALL } from "../regime-port.ts";
import { templateFactor, templatesFromConfig, type ScalingTemplate } from "../template.ts";
import { defineSizingLayer, type LayerOutput, type PortionLayer } from "./types.ts";

/**
 * Scaling template chosen by the regime: the fraction of the full size ordered now (a "portion"
 * layer, not part of the full size), and the fractions of the adds. Adds and targets are in R, so
 * an entry sized by allocation (no stop) has no template.
 */
export const tmplLayer = defineSizingLayer({
  name: "tmpl",
  description: "the regime's scaling template: initial fraction of the full size, adds at R triggers",
  create(setup): PortionLayer {
    const s = setup.sizing;
    const templates = templatesFromConfig(s);
    // Resolved once (templatesFromConfig has checked every name), not per decision.
    const byRegime: Readonly<Record<Regime, ScalingTemplate>> = {
      ADD_ALLOWED: templates.get(s.regimeTemplates.ADD_ALLOWED)!,
      ADD_NEUTRAL: templates.get(s.regimeTemplates.ADD_NEUTRAL)!,
      NO_ADD: templates.get(s.regimeTemplates.NO_ADD)!,
    };
    return {
      name: "tmpl",
      kind: "portion",
      needsStop: true,
      apply(_input, ctx): LayerOutput {
        const template = byRegime[ctx.regime.regime];
        const t = templateFactor(template, ctx.stage);
        return { factor: t.factor, reason: t.reason, template, usedRegime: true };
      },
      addTemplate(input) {
        const stage = input.stage;
        const pin = stage?.kind === "add" ? stage.template : undefined;
        if (pin === undefined) return byRegime[(input.regime ?? FAIL_SAFE_REGIME_CALL).regime];
        // An add pinned to a template that is no longer configured (config changed while the
        // position was open) is not sized with some other template's fractions.
        return templates.get(pin) ?? `template ${pin} is not configured: add not sized`;
      },
    };
  },
});
