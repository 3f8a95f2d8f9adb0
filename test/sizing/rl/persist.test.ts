import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SeededRng } from "../../../src/core/rng.ts";
import { defaultRlConfig } from "../../../src/sizing/rl/config.ts";
import {
  QTableFileError,
  loadQTable,
  loadQTableTraining,
  openQTable,
  qTableFileSchema,
  saveQTable,
  serializeQTable,
  tryLoadQTable,
} from "../../../src/sizing/rl/persist.ts";
import { QTable } from "../../../src/sizing/rl/q-table.ts";

const cfg = defaultRlConfig();
let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sizewise-qtable-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function trained(): QTable {
  const t = QTable.fromConfig(cfg, "2024-01-02T00:00:00.000Z");
  const rng = new SeededRng(11);
  for (let i = 0; i < 200; i++) t.update(`s${i % 7}`, Math.floor(rng.next() * 6), rng.normal() * 10 + 1 / 3);
  return t;
}

function expectFileError(path: string, kind: string, message: RegExp): void {
  try {
    loadQTable(path);
    expect.unreachable();
  } catch (e) {
    expect(e).toBeInstanceOf(QTableFileError);
    expect((e as QTableFileError).kind).toBe(kind);
    expect((e as Error).message).toContain(path);
    expect((e as Error).message).toMatch(message);
  }
}

describe("Q-table persistence", () => {
  it("round-trips exactly (values, counts, epsilon state, edges)", () => {
    const t = trained();
    const path = join(dir, "nested", "q.json");
    saveQTable(path, t);
    const back = loadQTable(path);
    expect(serializeQTable(back)).toEqual(serializeQTable(t));
    expect(back.totalUpdates).toBe(200);
    expect(back.epsilon).toBe(t.epsilon);
    for (let i = 0; i < 7; i++) expect(back.greedyAction(`s${i}`)).toBe(t.greedyAction(`s${i}`));
    const f = JSON.parse(readFileSync(path, "utf8"));
    expect(f).toMatchObject({ format: "sizewise.qtable", version: 2, createdAt: "2024-01-02T00:00:00.000Z", actions: [0.5, 0.75, 1, 1.25, 1.5, 2] });
    expect(readdirSync(join(dir, "nested"))).toEqual(["q.json"]); // no temp file left behind
    saveQTable(path, back);
    expect(readFileSync(path, "utf8")).toBe(JSON.stringify(f, null, 1) + "\n"); // byte-stable
  });

  it("refuses a version from a newer build, and a version that never existed, naming both", () => {
    const path = join(dir, "q.json");
    writeFileSync(path, JSON.stringify({ ...serializeQTable(trained()), version: 3 }));
    expectFileError(path, "version", /unsupported Q-table version 3: written by a newer sizewise \(this build reads versions 1 and 2\); upgrade sizewise/);
    writeFileSync(path, JSON.stringify({ ...serializeQTable(trained()), version: "2" }));
    expectFileError(path, "version", /unsupported Q-table version "2" \(this build reads versions 1 and 2\)/);
    writeFileSync(path, JSON.stringify({ ...serializeQTable(trained()), version: 0 }));
    expectFileError(path, "version", /unsupported Q-table version 0 /);
    // The schema that checks the tables inside state.json and learning.json says the same.
    const embedded = qTableFileSchema.safeParse({ ...serializeQTable(trained()), version: 3 });
    expect(embedded.success).toBe(false);
    expect(embedded.error?.issues[0]).toMatchObject({ path: ["version"], message: expect.stringMatching(/written by a newer sizewise/) });
  });

  it("writes version 2 with the training record and reads it back", () => {
    const path = join(dir, "q.json");
    const trainedOn = [{ symbols: ["AMC", "GME"], from: "2024-04-01T13:30:00Z", to: "2024-06-28T19:59:00Z", bars: 1234, sha256: "ab".repeat(32) }];
    saveQTable(path, trained(), trainedOn);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ version: 2, trainedOn });
    expect(loadQTableTraining(path)).toEqual(trainedOn);
  });

  it("reads version 1 files: without trainedOn (older builds) and with it (the build that added it before the bump)", () => {
    const path = join(dir, "q.json");
    const v1 = { ...serializeQTable(trained()), version: 1 };
    writeFileSync(path, JSON.stringify(v1));
    const back = loadQTable(path);
    expect(serializeQTable(back)).toEqual({ ...v1, version: 2 });
    expect(loadQTableTraining(path)).toEqual([]);
    const trainedOn = [{ symbols: ["AMC"], from: "2024-04-01T13:30:00Z", to: "2024-04-02T19:59:00Z", bars: 780, sha256: "cd".repeat(32) }];
    writeFileSync(path, JSON.stringify({ ...v1, trainedOn }));
    expect(loadQTableTraining(path)).toEqual(trainedOn);
    // Saved again, it becomes a version 2 file.
    saveQTable(path, back);
    expect(JSON.parse(readFileSync(path, "utf8")).version).toBe(2);
  });

  it("names the file and the field of a malformed table", () => {
    const path = join(dir, "q.json");
    const f = serializeQTable(trained());
    f.entries[0].q = f.entries[0].q.slice(1);
    writeFileSync(path, JSON.stringify(f));
    expectFileError(path, "schema", /entries\.0\.q: expected 6 values \(one per action\), got 5/);
    writeFileSync(path, JSON.stringify({ ...serializeQTable(trained()), alpha: "fast" }));
    expectFileError(path, "schema", /alpha/);
  });

  it("tells other files, bad JSON and missing files apart", () => {
    const path = join(dir, "q.json");
    writeFileSync(path, '{"format":"something-else"}');
    expectFileError(path, "format", /not a Q-table file/);
    writeFileSync(path, "{ truncated");
    expectFileError(path, "json", /not valid JSON/);
    expectFileError(join(dir, "none.json"), "missing", /no Q-table file/);
    const r = tryLoadQTable(join(dir, "none.json"));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe("missing");
  });

  it("openQTable: new when absent, stored when compatible, error when the buckets changed", () => {
    const path = join(dir, "q.json");
    expect(openQTable(path, cfg).source).toBe("new");
    expect(existsSync(path)).toBe(false);
    saveQTable(path, trained());
    const opened = openQTable(path, { ...cfg, alpha: 0.3 });
    expect(opened.source).toBe("file");
    expect(opened.table.alpha).toBe(0.3);
    expect(opened.table.totalUpdates).toBe(200);
    const other = { ...cfg, buckets: { ...cfg.buckets, trend: [0.3, 0.7] } };
    expect(() => openQTable(path, other)).toThrow(/bucket edges trend \[0.4, 0.6\] differ from config \[0.3, 0.7\]/);
  });
});
