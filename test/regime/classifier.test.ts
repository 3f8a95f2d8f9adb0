import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import { createRegimeClassifier } from "../../src/regime/classifier.ts";
import { treeRules } from "../../src/regime/rules.ts";
import { FAIL_SAFE_REGIME_CALL } from "../../src/sizing/regime-port.ts";
import { DAY_MS, TRAINED_TO_MS, handModel, named } from "./helpers.ts";

const config = parseConfig({});
const at = TRAINED_TO_MS + 3 * DAY_MS;
const clf = createRegimeClassifier(handModel(), config);

describe("regime classifier: the tree's call", () => {
  it("routes a value below a threshold left and at/above it right, with p = leaf count / leaf total", () => {
    expect(clf.classify(named({ adx: 20, ret15Pct: 0, volumeRatio: 2 }), at)).toEqual({
      regime: "ADD_ALLOWED",
      probability: 0.8,
      reason: "leaf 1 (adx < 25): ADD_ALLOWED p 0.80 (8/10)",
    });
    const c = clf.classify(named({ adx: 25, ret15Pct: -2.5, volumeRatio: 2 }), at);
    expect(c.regime).toBe("NO_ADD");
    expect(c.probability).toBeCloseTo(0.7, 12);
    expect(c.reason).toBe("leaf 2 (adx >= 25 and ret15Pct < -2): NO_ADD p 0.70 (7/10)");
  });

  it("takes features by name, in any order and among others", () => {
    const c = clf.classify({ names: ["dayChangePct", "ret15Pct", "volumeRatio", "adx"], values: [-20, -3, 2, 40] }, at);
    expect(c.regime).toBe("NO_ADD");
  });

  it("prints the tree as if/then rules with the counts behind each", () => {
    expect(treeRules(handModel())).toEqual([
      "leaf 1: if adx < 25 then ADD_ALLOWED (p 0.80; 8 ADD_ALLOWED / 1 ADD_NEUTRAL / 1 NO_ADD)",
      "leaf 2: if adx >= 25 and ret15Pct < -2 then NO_ADD (p 0.70; 2 ADD_ALLOWED / 1 ADD_NEUTRAL / 7 NO_ADD)",
      "leaf 3: if adx >= 25 and ret15Pct >= -2 then ADD_ALLOWED (p 0.40; 4 ADD_ALLOWED / 3 ADD_NEUTRAL / 3 NO_ADD)",
    ]);
  });
});

describe("regime classifier: fail-safe NORMAL, and why", () => {
  const ok = named({ adx: 20, ret15Pct: 0, volumeRatio: 2 });

  it("without a model", () => {
    expect(createRegimeClassifier(null, config).classify(ok, at)).toBe(FAIL_SAFE_REGIME_CALL);
  });

  it("below regime.minProbability", () => {
    const c = clf.classify(named({ adx: 30, ret15Pct: 0, volumeRatio: 2 }), at);
    expect(c.regime).toBe("ADD_NEUTRAL");
    expect(c.reason).toBe("leaf 3 (adx >= 25 and ret15Pct >= -2): ADD_ALLOWED p 0.40 (4/10) < regime.minProbability 0.5: fail-safe NORMAL");
    const strict = createRegimeClassifier(handModel(), parseConfig({ regime: { minProbability: 0.85 } }));
    expect(strict.classify(ok, at).regime).toBe("ADD_NEUTRAL");
    const lax = createRegimeClassifier(handModel(), parseConfig({ regime: { minProbability: 0.3 } }));
    expect(lax.classify(named({ adx: 30, ret15Pct: 0, volumeRatio: 2 }), at).regime).toBe("ADD_ALLOWED");
  });

  it("when the model is stale (trained more than regime.maxAgeDays before the decision)", () => {
    expect(clf.classify(ok, TRAINED_TO_MS + 45 * DAY_MS).regime).toBe("ADD_ALLOWED");
    const c = clf.classify(ok, TRAINED_TO_MS + 46 * DAY_MS);
    expect(c.regime).toBe("ADD_NEUTRAL");
    expect(c.reason).toMatch(/^model stale: trained on data through 2024-05-31T20:00, 46 days > regime.maxAgeDays 45: fail-safe NORMAL$/);
    const short = createRegimeClassifier(handModel(), parseConfig({ regime: { maxAgeDays: 2 } }));
    expect(short.classify(ok, at).reason).toMatch(/stale/);
  });

  it("when the decision is inside (or before) the training data: the model may have seen its outcome", () => {
    const c = clf.classify(ok, TRAINED_TO_MS - 60_000);
    expect(c.regime).toBe("ADD_NEUTRAL");
    expect(c.reason).toMatch(/not after the model's training data/);
  });

  it("measures age at nowMs when a call gives no time, and not at all without either", () => {
    expect(createRegimeClassifier(handModel(), config, TRAINED_TO_MS + 100 * DAY_MS).classify(ok).reason).toMatch(/stale/);
    expect(createRegimeClassifier(handModel(), config, TRAINED_TO_MS + 100 * DAY_MS).classify(ok, at).regime).toBe("ADD_ALLOWED");
    expect(createRegimeClassifier(handModel(), config).classify(ok).regime).toBe("ADD_ALLOWED");
  });

  it("when a feature of the model is missing (the feature lists do not match)", () => {
    const c = clf.classify(named({ adx: 20, ret15Pct: 0 }), at);
    expect(c).toEqual({ regime: "ADD_NEUTRAL", probability: 1, reason: "feature volumeRatio missing (model features do not match the input's): fail-safe NORMAL" });
  });

  it("when a feature the call's path reads is NaN; a NaN no split on the path reads does not matter", () => {
    expect(clf.classify(named({ adx: NaN, ret15Pct: 0, volumeRatio: 2 }), at).reason).toBe("feature adx is NaN: fail-safe NORMAL");
    expect(clf.classify(named({ adx: 30, ret15Pct: Infinity, volumeRatio: 2 }), at).reason).toBe("feature ret15Pct is Infinity: fail-safe NORMAL");
    // adx < 25 ends at leaf 1 without reading ret15Pct or volumeRatio.
    expect(clf.classify(named({ adx: 20, ret15Pct: NaN, volumeRatio: NaN }), at).regime).toBe("ADD_ALLOWED");
  });

  it("breaks ties toward the cautious class", () => {
    const tie = handModel({ tree: { kind: "leaf", id: 1, counts: [5, 0, 5] } });
    expect(createRegimeClassifier(tie, parseConfig({ regime: { minProbability: 0 } })).classify(ok, at).regime).toBe("NO_ADD");
    const three = handModel({ tree: { kind: "leaf", id: 1, counts: [4, 4, 4] } });
    expect(createRegimeClassifier(three, parseConfig({ regime: { minProbability: 0 } })).classify(ok, at).regime).toBe("ADD_NEUTRAL");
  });
});

describe("signal inversion (regime.invert)", () => {
  const inv = createRegimeClassifier(handModel(), parseConfig({ regime: { invert: true } }));
  it("swaps ADD_ALLOWED and NO_ADD and says so", () => {
    const a = inv.classify(named({ adx: 20, ret15Pct: 0, volumeRatio: 2 }), at);
    expect(a.regime).toBe("NO_ADD");
    expect(a.probability).toBeCloseTo(0.8, 12);
    expect(a.reason).toMatch(/inverted from ADD_ALLOWED \(regime.invert\)$/);
    expect(inv.classify(named({ adx: 30, ret15Pct: -3, volumeRatio: 2 }), at).regime).toBe("ADD_ALLOWED");
  });
  it("leaves the fail-safes alone", () => {
    expect(inv.classify(named({ adx: 30, ret15Pct: 0, volumeRatio: 2 }), at).regime).toBe("ADD_NEUTRAL");
    expect(inv.classify(named({ adx: NaN, ret15Pct: 0, volumeRatio: 2 }), at).regime).toBe("ADD_NEUTRAL");
  });
});
