import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bearTrap } from "../../strategies/bear-trap.ts";
import { findStrategy, listStrategies } from "../../strategies/index.ts";
import { parseConfig } from "../../src/config/load.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";
import { buildSlots } from "../../src/strategy/slots.ts";
import { loadStrategyFile } from "../../src/strategy/load-file.ts";
import { createBarView } from "../../src/core/bars.ts";
import type { SymbolSnapshot } from "../../src/core/snapshot.ts";
import { runCli } from "../cli/run-cli.ts";
import { resolveRunConfig } from "../../src/cli/strategy-option.ts";

const fixture = (name: string): string => new URL(`../fixtures/strategies/${name}`, import.meta.url).pathname;
const example = new URL("../../examples/strategies/dip-reclaim.ts", import.meta.url).pathname;
const quiet = { onWarning: () => undefined };

describe("strategy registry", () => {
  it("finds the shipped strategies by id, and a file's strategy beside them", () => {
    expect(listStrategies().map((d) => d.id)).toContain("bear-trap");
    expect(findStrategy("bear-trap")).toBe(bearTrap);
    expect(findStrategy("nope")).toBeUndefined();
    const mine = { ...bearTrap, id: "mine" };
    expect(findStrategy("mine", [mine])).toBe(mine);
    for (const d of listStrategies()) expect(["1Min", "1Day"]).toContain(d.timeframe);
  });

  it("refuses an unknown id in config, naming the known ids and --strategy-file", () => {
    expect(() => parseConfig({ strategies: [{ id: "nope" }] })).toThrow(/strategies\.0\.id: unknown strategy "nope" \(known: bear-trap.*--strategy-file FILE\.ts\)/);
  });

  it("checks params with the strategy's own schema, every problem at once", () => {
    try {
      parseConfig({ sizing: { mode: "x" }, strategies: [{ id: "bear-trap", params: { minBodyRatio: 2, minDayChange: 1 } }] });
      expect.unreachable();
    } catch (e) {
      const m = (e as Error).message;
      expect(m).toMatch(/sizing\.mode/);
      expect(m).toMatch(/strategies\.0\.params\.minBodyRatio: .*\(got 2\)/);
      expect(m).toMatch(/strategies\.0\.params\.minDayChange: unknown key \(did you mean strategies\.0\.params\.minDayChangePct\?\)/);
    }
  });
});

describe("config migration", () => {
  it("loads a legacy strategy section exactly as the new form, and warns with the new form", () => {
    const warnings: string[] = [];
    const legacy = parseConfig(
      { strategy: { minDayChangePct: -10, stopAtrMultiple: 0.6, flattenAt: "15:50", regularHoursOnly: false } },
      "old.json",
      { onWarning: (m) => warnings.push(m) },
    );
    const now = parseConfig({ session: { flattenMinutesBeforeClose: 10, regularHoursOnly: false }, strategies: [{ id: "bear-trap", params: { minDayChangePct: -10, stopAtrMultiple: 0.6 } }] });
    expect(legacy).toEqual(now);
    expect(strategyParams(legacy, "bear-trap").stopAtrMultiple).toBe(0.6);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"session": {"regularHoursOnly":false,"flattenMinutesBeforeClose":10}');
    expect(warnings[0]).toContain('"strategies": [{"id":"bear-trap","params":{"minDayChangePct":-10,"stopAtrMultiple":0.6}}]');
  });

  it("folds daemon.flattenMinutesBeforeClose into session, and a legacy section into the first bear-trap instance", () => {
    const warnings: string[] = [];
    const c = parseConfig({ daemon: { flattenMinutesBeforeClose: 7 } }, "c", { onWarning: (m) => warnings.push(m) });
    expect(c.session.flattenMinutesBeforeClose).toBe(7);
    expect(warnings[0]).toMatch(/daemon\.flattenMinutesBeforeClose moved to session.*"session": \{"flattenMinutesBeforeClose":7\}/);
    const both = parseConfig({ strategy: { minDayChangePct: -8 }, strategies: [{ id: "bear-trap", params: { stopAtrMultiple: 0.3 } }] }, "c", quiet);
    expect(both.strategies[0].params).toMatchObject({ minDayChangePct: -8, stopAtrMultiple: 0.3 });
  });

  it("names the legacy key a problem came from, and refuses an unreadable flattenAt", () => {
    expect(() => parseConfig({ strategy: { minBodyRatio: 2 } }, "c", quiet)).toThrow(/strategy\.minBodyRatio: .*\(got 2\)/);
    expect(() => parseConfig({ strategy: { flattenAt: "16:30" } }, "c", quiet)).toThrow(/strategy\.flattenAt: .*\(got "16:30"\)/);
  });
});

describe("buildSlots", () => {
  const two = (a: string[], b: string[], allocation: [number | null, number | null] = [null, null]) =>
    parseConfig({
      strategies: [
        { id: "bear-trap", symbols: a, allocation: allocation[0] },
        { id: "bear-trap", symbols: b, allocation: allocation[1], params: { minDayChangePct: -5 } },
      ],
    });

  it("gives a single strategy every symbol of the data, the whole account and its indicators", () => {
    const [slot] = buildSlots(parseConfig({}), ["AAA", "BBB"]);
    expect(slot.symbols).toEqual(["AAA", "BBB"]);
    expect(slot.allocation).toBe(1);
    expect(slot.indicators).toEqual({ atrPeriod: 14, volumeAvgPeriod: 20 });
    expect(slot.strategy.id).toBe("bear-trap");
    expect(slot.risk).toEqual({ maxOpenPositions: null, dailyLossLimitPct: null });
  });

  it("splits the account: set allocations kept, the rest shared equally", () => {
    const slots = buildSlots(two(["AAA"], ["BBB", "ZZZ"]), ["AAA", "BBB", "CCC"]);
    expect(slots.map((s) => [s.instanceIndex, s.symbols, s.allocation])).toEqual([[0, ["AAA"], 0.5], [1, ["BBB"], 0.5]]);
    expect(buildSlots(two(["AAA"], ["BBB"], [0.7, null]), ["AAA", "BBB"]).map((s) => s.allocation)).toEqual([0.7, expect.closeTo(0.3, 12)]);
    expect(() => buildSlots(two(["AAA"], ["BBB"], [0.7, 0.6]), ["AAA", "BBB"])).toThrow(/allocations add up to 1.3: more than the whole account/);
  });

  it("refuses a symbol in two strategies, and a strategy without symbols among several", () => {
    expect(() => buildSlots(two(["AAA", "BBB"], ["BBB"]), ["AAA", "BBB"])).toThrow(/BBB is in both strategies\[0\] \(bear-trap\) and strategies\[1\] \(bear-trap\): one symbol can belong to one strategy only/);
    expect(() => buildSlots(two([], ["BBB"]), ["AAA", "BBB"])).toThrow(/strategies\[0\] \(bear-trap\) names no symbols/);
    expect(() => buildSlots(two(["QQQ"], ["BBB"]), ["AAA", "BBB"])).toThrow(/none of its symbols \(QQQ\) is in the data/);
  });
});

describe("strategy files", () => {
  it("loads the README's example from outside strategies/, and it trades a dip reclaim", async () => {
    const def = await loadStrategyFile(example);
    expect([def.id, def.timeframe, def.holding]).toEqual(["dip-reclaim", "1Min", "intraday"]);
    const config = parseConfig({ strategies: [{ id: "dip-reclaim", params: { targetR: 3 } }] }, "c", { strategies: [def] });
    const [slot] = buildSlots(config, ["XYZ"], [def]);
    const s = slot.strategy;
    const st = s.createState("XYZ");
    const snap = { symbol: "XYZ", dayChangePct: -7, atr: 0.1 } as SymbolSnapshot;
    const bar = (minute: number, o: number, h: number, l: number, c: number) => Object.assign(createBarView(), { etDay: 19800, etMinute: minute, tMs: minute, open: o, high: h, low: l, close: c, volume: 100 });
    expect(s.onBar(st, snap, bar(600, 10, 10.2, 9.8, 9.9))).toBeNull(); // the day's first bar
    expect(s.onBar(st, snap, bar(601, 9.9, 10.0, 9.7, 9.8))).toBeNull(); // no close above 10.2
    const sig = s.onBar(st, snap, bar(602, 9.8, 10.1, 9.75, 10.05)); // above 10.0, the prior high
    expect(sig).toMatchObject({ strategyId: "dip-reclaim", refPriceUsd: 10.05, stopPriceUsd: 9.7, detail: { prevHighUsd: 10 } });
    const plan = s.exitPlan(sig!, 10.05);
    expect(plan.targets[0].priceUsd).toBeCloseTo(10.05 + 3 * 0.35, 9);
    expect(plan.timeStopMinutes).toBe(20);
    // Not on a day down less than the threshold.
    expect(s.onBar(s.createState("XYZ"), { ...snap, dayChangePct: -2 }, bar(602, 9.8, 10.1, 9.75, 10.05))).toBeNull();
  });

  it("refuses a file whose strategy has no onBar, one that throws on import, one that defines too little, a missing one", async () => {
    await expect(loadStrategyFile(fixture("no-onbar.ts"))).rejects.toThrow(/strategy file .*no-onbar\.ts: the strategy no-onbar\.create\(\) builds has no onBar/);
    await expect(loadStrategyFile(fixture("throws.ts"))).rejects.toThrow(/strategy file .*throws\.ts failed to load: boom at import/);
    await expect(loadStrategyFile(fixture("half-defined.ts"))).rejects.toThrow(/half-defined\.ts: the definition is missing or has a wrong id .*description.*params.*timeframe.*holding.*indicators/);
    await expect(loadStrategyFile(fixture("nope.ts"))).rejects.toThrow(/strategy file .*nope\.ts does not exist/);
  });

  it("is the file the README shows, verbatim", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const code = readFileSync(example, "utf8").trim();
    expect(readme).toContain(code);
    expect(code.split("\n").length).toBeLessThanOrEqual(35);
  });
});

describe("sizewise strategies", () => {
  it("lists each strategy with timeframe, holding, description and params with defaults and descriptions", async () => {
    const r = await runCli(["strategies"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^bear-trap {2}\(1Min bars, intraday; shipped\)/m);
    expect(r.out).toMatch(/minDayChangePct +?= -15 +Setup: day change %/);
    const j = await runCli(["strategies", "--json", "--strategy-file", example]);
    const list = JSON.parse(j.out) as { id: string; params: { name: string; default: unknown; description: string }[] }[];
    const mine = list.find((s) => s.id === "dip-reclaim")!;
    expect(mine.params).toEqual([
      { name: "maxDayChangePct", default: -5, allowed: "a number <= 0", description: "Only on days down at least this much (%)." },
      { name: "targetR", default: 2, allowed: "a number > 0", description: "Take profit at this multiple of the risk." },
    ]);
    expect(list.find((s) => s.id === "bear-trap")!.params.find((p) => p.name === "timeStopMinutes")!.default).toBe(30);
  });
});

describe("--strategy and --strategy-file", () => {
  it("rewrite config.strategies: listed ids in order, configured instances kept, a file's strategy added", async () => {
    const home = mkdtempSync(join(tmpdir(), "sw-strat-"));
    mkdirSync(join(home, "config"));
    writeFileSync(join(home, "config", "local.json"), JSON.stringify({ strategies: [{ id: "dip-reclaim", params: { targetR: 4 }, symbols: ["AAA"] }] }));
    // The home's config names the file's strategy: it loads only with the file.
    await expect(resolveRunConfig(undefined, home, {})).rejects.toThrow(/unknown strategy "dip-reclaim"/);
    const withFile = await resolveRunConfig(undefined, home, { strategyFile: [example] });
    expect(withFile.strategies.map((d) => d.id)).toEqual(["dip-reclaim"]);
    expect(withFile.config.strategies).toMatchObject([{ id: "dip-reclaim", params: { targetR: 4, maxDayChangePct: -5 }, symbols: ["AAA"] }]);
    const both = await resolveRunConfig(undefined, home, { strategy: "bear-trap", strategyFile: [example] });
    expect(both.config.strategies.map((s) => [s.id, s.symbols])).toEqual([["bear-trap", []], ["dip-reclaim", ["AAA"]]]);
    const plain = await resolveRunConfig(undefined, mkdtempSync(join(tmpdir(), "sw-strat-")), { strategy: "bear-trap" });
    expect(plain.config.strategies.map((s) => s.id)).toEqual(["bear-trap"]);
    await expect(resolveRunConfig(undefined, home, { strategy: "nope", strategyFile: [example] })).rejects.toThrow(/--strategy: unknown strategy "nope" \(known: bear-trap.*dip-reclaim/);
  });

  it("let config validate check a config that names a file's strategy, by that strategy's schema", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sw-strat-")), "mine.json");
    writeFileSync(file, JSON.stringify({ strategies: [{ id: "dip-reclaim", params: { targetR: -1 } }] }));
    expect((await runCli(["config", "validate", file])).err).toMatch(/strategies\.0\.id: unknown strategy "dip-reclaim"/);
    const r = await runCli(["config", "validate", file, "--strategy-file", example]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/strategies\.0\.params\.targetR: .*\(got -1\)/);
  });

  it("refuse an unknown id on the command line before any bar is read", async () => {
    const r = await runCli(["backtest", "--strategy", "nope", "--gen-symbols", "1", "--gen-days", "1"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--strategy: unknown strategy "nope" \(known: bear-trap/);
  });
});
