import { describe, expect, it } from "vitest";
import { NeutralRegimeStub, templateFactor, templateForRegime, templatesFromConfig } from "../../src/sizing/template.ts";
import { ENTRY_FEATURES } from "../../src/sizing/entry-features.ts";
import { configWith } from "./helpers.ts";

const sizing = configWith().sizing;
const templates = templatesFromConfig(sizing);

describe("scaling templates", () => {
  it("ships SPEC's three templates and the early-exit variant", () => {
    expect(templates.get("conservative")).toEqual({
      name: "conservative",
      initialFraction: 0.5,
      adds: [],
      maxFraction: 0.5,
      targets: [{ atR: 0.8, fraction: 0.5 }, { atR: 1.5, fraction: 0.5 }],
    });
    expect(templates.get("conservative_early_exit")?.earlyExitR).toBe(1);
    expect(templates.get("normal")).toMatchObject({ initialFraction: 0.5, adds: [{ atR: 0.5, fraction: 0.25 }], maxFraction: 0.75, targets: [{ atR: 1, fraction: 0.4 }, { atR: 2, fraction: 0.6 }] });
    expect(templates.get("aggressive")).toMatchObject({
      initialFraction: 0.33,
      adds: [{ atR: 0.5, fraction: 0.33 }, { atR: 1, fraction: 0.34 }],
      maxFraction: 1,
      targets: [{ atR: 1.5, fraction: 0.3 }, { atR: 3, fraction: 0.7 }],
    });
  });

  it("maps regimes to templates, and no call to the fail-safe NORMAL", () => {
    const pick = (regime: "ADD_ALLOWED" | "ADD_NEUTRAL" | "NO_ADD" | null) =>
      templateForRegime(templates, sizing.regimeTemplates, regime === null ? null : { regime, probability: 0.9, reason: "t" }).name;
    expect([pick("ADD_ALLOWED"), pick("ADD_NEUTRAL"), pick("NO_ADD"), pick(null)]).toEqual(["aggressive", "normal", "conservative", "normal"]);
  });

  it("gives the initial fraction, then each add's fraction, then 0", () => {
    const t = templates.get("aggressive")!;
    expect(templateFactor(t, { kind: "initial" })).toEqual({ factor: 0.33, reason: "template aggressive: initial 0.33 of full size" });
    expect(templateFactor(t, { kind: "add", index: 0 })).toEqual({ factor: 0.33, reason: "template aggressive: add #1 +0.33 at +0.5R" });
    expect(templateFactor(t, { kind: "add", index: 1 }).factor).toBe(0.34);
    expect(templateFactor(t, { kind: "add", index: 2 })).toEqual({ factor: 0, reason: "template aggressive has no add #3" });
  });

  it("accepts user templates by name (the revised variants are config, not code)", () => {
    const cfg = configWith({
      templates: {
        ...sizing.templates,
        aggressive_revised: { initialFraction: 1.5, adds: [], maxFraction: 1.5, targets: [{ atR: 3, fraction: 1 }] },
      },
      regimeTemplates: { ADD_ALLOWED: "aggressive_revised" },
    }).sizing;
    const ts = templatesFromConfig(cfg);
    const t = templateForRegime(ts, cfg.regimeTemplates, { regime: "ADD_ALLOWED", probability: 1, reason: "" });
    expect(templateFactor(t, { kind: "initial" }).factor).toBe(1.5);
    expect(() => templatesFromConfig({ templates: {}, regimeTemplates: sizing.regimeTemplates })).toThrow(/regimeTemplates.ADD_ALLOWED/);
  });

  it("the regime stub is the clearly named fail-safe", () => {
    const call = new NeutralRegimeStub().classify({ names: ENTRY_FEATURES, values: [] });
    expect(call).toEqual({ regime: "ADD_NEUTRAL", probability: 1, reason: "no regime model: fail-safe NORMAL" });
  });
});
