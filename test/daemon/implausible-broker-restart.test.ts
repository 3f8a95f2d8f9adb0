import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { runLocal } from "../../src/daemon/run-local.ts";
import { sliceSeries } from "../../src/data/day-range.ts";
import { readJournal } from "../../src/store/journal.ts";
import { readHaltFlag } from "../../src/store/halt-flag.ts";
import { crashScenario } from "./fixtures/scenario.ts";

const { config, series } = crashScenario();
const short = series.map((s) => sliceSeries(s, s.tMs[0], s.tMs[0] + 2 * 86_400_000));
const log = pino({ level: "silent" });

/** The local exchange's persisted cash (snapshot and change log) set to `cash`, as a corrupt broker would report it. */
function corruptBrokerCash(stateDir: string, cash: string): void {
  const dir = join(stateDir, "exchange");
  for (const f of readdirSync(dir).filter((x) => x.startsWith("book.") && (x.endsWith(".json") || x.endsWith(".jsonl")))) {
    const p = join(dir, f);
    writeFileSync(p, readFileSync(p, "utf8").replace(/"cashUsd":[-0-9.e+]+/g, `"cashUsd":${cash}`));
  }
}

function events(stateDir: string) {
  return readdirSync(join(stateDir, "journal"))
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort()
    .flatMap((f) => readJournal(stateDir, f.slice(0, 10)));
}

describe("a restart against a broker reporting $8.7e301 of cash", () => {
  it("does not adopt it: journals the refusal, trips the emergency halt and sends no entry after it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sizewise-implausible-"));
    const stop = new AbortController();
    await runLocal({ config, series: short, stateDir: dir, log, signal: stop.signal, onMinute: async ({ minute }) => void (minute === 300 && stop.abort()) });
    corruptBrokerCash(dir, "8.7e301");
    const r = await runLocal({ config, series: short, stateDir: dir, log });
    expect(r.resumed).toBe(true);
    // The bot's cash stayed its own: equity is an account's, not 1e301.
    expect(r.finalEquityUsd).toBeLessThan(200_000);
    const ev = events(dir);
    const refusal = ev.findIndex((e) => e.type === "reconcile" && e.kind === "implausible_broker");
    expect(refusal).toBeGreaterThanOrEqual(0);
    expect(ev[refusal]).toMatchObject({ figure: "account", brokerCash: expect.stringMatching(/^8\.7e\+?301$/), adopted: false });
    expect(ev.slice(refusal).some((e) => e.type === "halt" && String(e.reason).includes("implausible broker figures"))).toBe(true);
    expect(ev.slice(refusal).filter((e) => e.type === "order_submitted" && e.purpose === "entry")).toEqual([]);
    expect(existsSync(join(dir, "state.json"))).toBe(true);
    expect(readHaltFlag(dir)).toMatchObject({ source: "emergency", reason: expect.stringMatching(/cash \$8\.70000e\+301 is over 10x/) });
  }, 120_000);
});
