import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configDoc, configJsonSchema, documentedKeys, schemaAt } from "../../src/config/json-schema.ts";
import { defaultConfig, parseConfig } from "../../src/config/load.ts";
import { runCli } from "../cli/run-cli.ts";

const dir = (): string => mkdtempSync(join(tmpdir(), "sw-config-"));

describe("sizewise config set/get/unset", () => {
  it("writes a validated override with a $schema pointer, and get reads it back", async () => {
    const file = join(dir(), "local.json");
    const set = await runCli(["config", "set", "sizing.mode", "kelly", "--config", file]);
    expect(set.code).toBe(0);
    expect(set.out).toContain('sizing.mode: "fixed" -> "kelly"');
    const raw = JSON.parse(readFileSync(file, "utf8"));
    expect(raw.sizing).toEqual({ mode: "kelly" });
    expect(raw.$schema).toMatch(/schema\.json$/);
    // The file with its $schema is a valid config for every command.
    expect(parseConfig(raw).sizing.mode).toBe("kelly");
    const get = await runCli(["config", "get", "sizing.mode", "--config", file]);
    expect(JSON.parse(get.out)).toBe("kelly");
    // Numbers (negative too) and lists are JSON; other text is a string.
    expect((await runCli(["config", "set", "strategy.minDayChangePct", "-10", "--config", file])).code).toBe(0);
    expect((await runCli(["config", "set", "trading.symbols", '["AMC","GME"]', "--config", file])).code).toBe(0);
    const after = JSON.parse(readFileSync(file, "utf8"));
    // The legacy key is written in the new form, and still reads back.
    expect(after.strategy).toBeUndefined();
    expect(after.strategies[0]).toMatchObject({ id: "bear-trap", params: { minDayChangePct: -10 } });
    expect(JSON.parse((await runCli(["config", "get", "strategy.minDayChangePct", "--config", file])).out)).toBe(-10);
    expect(JSON.parse((await runCli(["config", "get", "strategies[bear-trap].params.minDayChangePct", "--config", file])).out)).toBe(-10);
    expect(after.trading.symbols).toEqual(["AMC", "GME"]);
    expect((await runCli(["config", "unset", "sizing.mode", "--config", file])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).sizing).toBeUndefined();
  });

  it("refuses a bad value naming the key, the value and what is allowed, and leaves the file alone", async () => {
    const file = join(dir(), "local.json");
    writeFileSync(file, JSON.stringify({ sizing: { mode: "rl" } }));
    const before = readFileSync(file, "utf8");
    const bad = await runCli(["config", "set", "sizing.mode", "kely", "--config", file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("sizing.mode");
    expect(bad.err).toContain('"kely"');
    expect(bad.err).toMatch(/allowed: one of "fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"/);
    const range = await runCli(["config", "set", "sizing.kelly.fraction", "2", "--config", file]);
    expect(range.code).toBe(1);
    expect(range.err).toMatch(/sizing\.kelly\.fraction: .*\(got 2\); allowed: a number > 0 and <= 1/);
    const typo = await runCli(["config", "set", "sizing.mod", "kelly", "--config", file]);
    expect(typo.code).toBe(1);
    expect(typo.err).toMatch(/sizing\.mod: unknown key \(did you mean sizing\.mode\?\)/);
    expect(readFileSync(file, "utf8")).toBe(before);
    const unknownGet = await runCli(["config", "get", "risk.maxTrades", "--config", file]);
    expect(unknownGet.code).toBe(1);
    expect(unknownGet.err).toContain("did you mean risk.maxTradesPerDay?");
    // A valid key with nothing there prints no "undefined" (not JSON): it fails and says why.
    const pastEnd = await runCli(["config", "get", "trading.symbols.0", "--config", file]);
    expect(pastEnd.code).toBe(1);
    expect(pastEnd.out).toBe("");
    expect(pastEnd.err).toMatch(/trading\.symbols\.0: nothing there/);
  });

  it("sets one field of a template without dropping the rest of the templates", async () => {
    const file = join(dir(), "local.json");
    expect((await runCli(["config", "set", "sizing.templates.aggressive.initialFraction", "0.2", "--config", file])).code).toBe(0);
    const c = parseConfig(JSON.parse(readFileSync(file, "utf8")));
    expect(c.sizing.templates.aggressive.initialFraction).toBe(0.2);
    expect(c.sizing.templates.normal).toEqual(defaultConfig().sizing.templates.normal);
    // A cross-field rule of the template is checked too.
    const bad = await runCli(["config", "set", "sizing.templates.aggressive.initialFraction", "1", "--config", file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("initialFraction plus all adds must not exceed maxFraction");
  });
});

describe("sizewise config validate and show", () => {
  it("validate lists every problem with key, value and allowed, and exits 1", async () => {
    const file = join(dir(), "bad.json");
    writeFileSync(file, JSON.stringify({ sizing: { mode: "x", riskPct: 500 }, strategy: { minDayChange: -10 } }));
    const r = await runCli(["config", "validate", file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("3 problems");
    expect(r.err).toMatch(/sizing\.mode: .*\(got "x"\); allowed: one of "fixed"/);
    expect(r.err).toMatch(/sizing\.riskPct: .*\(got 500\); allowed: a number >= 0 and <= 100/);
    expect(r.err).toMatch(/strategy\.minDayChange: unknown key \(did you mean strategy\.minDayChangePct\?\)/);
  });

  it("validate names the line of a JSON syntax error, and passes a good file", async () => {
    const d = dir();
    writeFileSync(join(d, "broken.json"), '{\n  "sizing": {\n    "mode": "kelly",\n  }\n}\n');
    const r = await runCli(["config", "validate", join(d, "broken.json")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not valid JSON: .*line 4/);
    writeFileSync(join(d, "good.json"), JSON.stringify({ $schema: "./schema.json", sizing: { mode: "kelly" } }));
    const ok = await runCli(["config", "validate", join(d, "good.json")]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('1 override: sizing.mode = "kelly"');
  });

  it("show marks overrides; --explain documents every key; --json is the effective config", async () => {
    const file = join(dir(), "local.json");
    writeFileSync(file, JSON.stringify({ sizing: { mode: "kelly" } }));
    const show = await runCli(["config", "show", "--config", file]);
    expect(show.out).toMatch(/^\* sizing\.mode = "kelly" {3}\(default "fixed"\)$/m);
    expect(show.out).toMatch(/^ {2}sizing\.riskPct = 1$/m);
    const json = await runCli(["config", "show", "--json", "--config", file]);
    expect(JSON.parse(json.out).sizing.kelly.fraction).toBe(0.25);
    const explain = await runCli(["config", "show", "--explain", "--config", file]);
    for (const d of documentedKeys()) expect(explain.out).toContain(`${d.key} = `);
    expect(explain.out).toContain("Sizing pipeline mode. Switching needs no code change.");
  });
});

describe("config/schema.json and docs/config.md", () => {
  it("are generated from the zod schema (regenerate with scripts/write-default-config.ts)", () => {
    const file = JSON.parse(readFileSync(new URL("../../config/schema.json", import.meta.url), "utf8"));
    expect(file).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
    expect(readFileSync(new URL("../../docs/config.md", import.meta.url), "utf8")).toBe(configDoc());
  });

  it("documents every key and knows what each allows", () => {
    const docs = documentedKeys();
    expect(docs.length).toBeGreaterThan(60);
    for (const d of docs) expect(d.description, d.key).not.toBe("");
    // A built-in mode or a user mode of sizing.modes (issue 14): the built-ins are the first alternative.
    expect(schemaAt("sizing.mode")?.anyOf?.[0]?.enum).toEqual(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"]);
    expect(schemaAt("sizing.templates.mine.initialFraction")?.type).toBe("number");
    expect(schemaAt("sizing.nope")).toBeNull();
  });
});
