import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { runLocal } from "../../src/daemon/run-local.ts";
import { checkRunFiles, DamagedRunError, OLD_RUNS_DIR, startNewRun } from "../../src/daemon/run-files.ts";
import { readJournal } from "../../src/store/journal.ts";
import { sliceSeries } from "../../src/data/day-range.ts";
import { crashScenario } from "./fixtures/scenario.ts";

const { config, series } = crashScenario();
// Two days: enough for orders and a run on record, short enough to run several times.
const short = series.map((s) => sliceSeries(s, s.tMs[0], s.tMs[0] + 2 * 86_400_000));
const log = pino({ level: "silent" });

let base: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "sizewise-damaged-"));
  await runLocal({ config, series: short, stateDir: base, log });
}, 120_000);

/** A copy of the finished run's state dir. */
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), "sizewise-damaged-case-"));
  cpSync(base, dir, { recursive: true });
  return dir;
}

function journalEvents(dir: string) {
  const j = join(dir, "journal");
  if (!existsSync(j)) return [];
  return readdirSync(j)
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort()
    .flatMap((f) => readJournal(dir, f.slice(0, 10)));
}

function journalText(dir: string): string {
  return JSON.stringify(journalEvents(dir));
}

async function refusal(dir: string): Promise<DamagedRunError> {
  const before = journalText(dir);
  const files = readdirSync(dir).sort();
  const err = await runLocal({ config, series: short, stateDir: dir, log }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DamagedRunError);
  // Nothing was replaced: the same files, and the journal untouched.
  expect(readdirSync(dir).sort()).toEqual(files);
  expect(journalText(dir)).toBe(before);
  return err as DamagedRunError;
}

describe("damaged run files are refused, not replaced", () => {
  it("the base run left a whole run on record", () => {
    expect(series[0].length).toBeGreaterThan(short[0].length);
    expect(journalEvents(base).length).toBeGreaterThan(0);
    expect(existsSync(join(base, "state.json"))).toBe(true);
    expect(readFileSync(join(base, "intents.jsonl"), "utf8").length).toBeGreaterThan(0);
    expect(existsSync(join(base, "run-learning.json"))).toBe(true);
    expect(checkRunFiles(base)).toBeNull();
  });

  const stateCases: [string, (f: string) => void, RegExp][] = [
    ["truncated", (f) => writeFileSync(f, readFileSync(f, "utf8").slice(0, 200)), /state\.json: not valid JSON/],
    ["empty", (f) => writeFileSync(f, ""), /state\.json: empty/],
    ["garbage", (f) => writeFileSync(f, "\u0000\u0001garbage{{{"), /state\.json: not valid JSON/],
    ["wrong shape", (f) => writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, "utf8")), positions: "many" })), /state\.json: invalid state/],
    ["deleted", (f) => rmSync(f), /state\.json: missing, while intents\.jsonl and run-learning\.json hold a run/],
  ];
  for (const [name, damage, msg] of stateCases) {
    it(`${name} state.json: start refuses, names the file and the command`, async () => {
      const dir = copy();
      damage(join(dir, "state.json"));
      const err = await refusal(dir);
      expect(err.file).toBe(join(dir, "state.json"));
      expect(err.message).toMatch(msg);
      expect(err.message).toContain(`sizewise start --new-run --state ${dir}`);
    }, 60_000);
  }

  it("deleted intents.jsonl: refused, naming it", async () => {
    const dir = copy();
    rmSync(join(dir, "intents.jsonl"));
    const err = await refusal(dir);
    expect(err.file).toBe(join(dir, "intents.jsonl"));
    expect(err.message).toMatch(/intents\.jsonl: missing, while state\.json holds run/);
  }, 60_000);

  it("deleted or garbage run-learning.json: refused, naming it", async () => {
    const gone = copy();
    rmSync(join(gone, "run-learning.json"));
    expect((await refusal(gone)).file).toBe(join(gone, "run-learning.json"));
    const bad = copy();
    writeFileSync(join(bad, "run-learning.json"), '{"format":"nope"}');
    const err = await refusal(bad);
    expect(err.file).toBe(join(bad, "run-learning.json"));
    expect(err.message).toMatch(/format/);
  }, 60_000);

  it("--new-run sets the old run aside, keeps the journal and starts a new run", async () => {
    const dir = copy();
    writeFileSync(join(dir, "state.json"), "");
    const oldRun = (JSON.parse(readFileSync(join(base, "state.json"), "utf8")) as { run: { id: string } }).run.id;
    const line = startNewRun(dir, Date.parse("2026-12-07T10:00:00Z"));
    expect(line).toMatch(/moved to .*old-runs.*starting a NEW run/);
    const aside = readdirSync(join(dir, OLD_RUNS_DIR));
    expect(aside).toHaveLength(1);
    expect(readdirSync(join(dir, OLD_RUNS_DIR, aside[0])).sort()).toEqual(["intents.jsonl", "run-learning.json", "state.json"]);
    expect(readFileSync(join(dir, OLD_RUNS_DIR, aside[0], "state.json"), "utf8")).toBe("");
    expect(checkRunFiles(dir)).toBeNull();
    const r = await runLocal({ config, series: short, stateDir: dir, log });
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { run: { id: string } };
    expect(state.run.id).not.toBe(oldRun);
    // The journal kept the old run's days and says a new run started.
    const events = journalEvents(dir);
    expect(events.some((e) => e.type === "startup" && (e as { runId?: string }).runId === state.run.id && (e as { resumed?: boolean }).resumed === false)).toBe(true);
    expect(events.some((e) => e.type === "startup" && (e as { runId?: string }).runId === oldRun)).toBe(true);
    expect(r.minutes).toBeGreaterThan(0);
  }, 120_000);

  it("a fresh or empty state dir is no run on record", () => {
    const dir = mkdtempSync(join(tmpdir(), "sizewise-fresh-"));
    expect(checkRunFiles(dir)).toBeNull();
    expect(startNewRun(dir, 0)).toMatch(/no run on record/);
    // An empty intent log is what a start that failed before choosing a run leaves: no run.
    writeFileSync(join(dir, "intents.jsonl"), "");
    expect(checkRunFiles(dir)).toBeNull();
    // A first start killed after writing its starting learning, before its first state commit: no order was sent, nothing to refuse.
    cpSync(join(base, "run-learning.json"), join(dir, "run-learning.json"));
    expect(checkRunFiles(dir)).toBeNull();
  });
});
