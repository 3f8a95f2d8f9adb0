import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { Journal, JournalError, MemoryJournal, readJournal, REDACTED } from "../../src/store/journal.ts";
import type { JournalSink } from "../../src/store/journal.ts";
import { MemoryStateStore } from "../../src/store/state-store.ts";
import { intent, steppingClock, tempDir } from "./helpers.ts";

let dir = "";
let cleanup = (): void => {};
beforeEach(() => ({ dir, cleanup } = tempDir("sizewise-journal-")));
afterEach(() => cleanup());

const jdir = (): string => join(dir, "journal");
const D1 = "2026-01-05";
const D2 = "2026-01-06";

function sampleDay(j: JournalSink, date: string): void {
  j.append(date, "signal", { symbol: "AAPL", refPriceUsd: 101.5 });
  j.append(date, "regime", { regime: "trend_down", adx: 31 });
  j.append(date, "sizing", { qtyShares: 100, factors: [{ name: "base", factor: 1, reason: "1% risk" }], cap: null });
  j.append(date, "order_submitted", { clientOrderId: "o1", symbol: "AAPL" });
  j.append(date, "fill", { clientOrderId: "o1", priceUsd: 101.52, qtyShares: 100 });
}

describe("Journal (files)", () => {
  it("writes one {date, events} file per trading day with type, ts and payload", () => {
    const j = Journal.open(dir, { now: steppingClock() });
    sampleDay(j, D1);
    j.append(D2, "summary", { trades: 0 }); // a new date folds the previous one
    expect(readdirSync(jdir()).sort()).toEqual([`${D1}.json`, `${D2}.jsonl`]);
    j.close();
    expect(readdirSync(jdir()).sort()).toEqual([`${D1}.json`, `${D2}.json`]);
    const doc = JSON.parse(readFileSync(join(jdir(), `${D1}.json`), "utf8")) as { date: string; events: { type: string; ts: string }[] };
    expect(doc.date).toBe(D1);
    expect(doc.events.map((e) => e.type)).toEqual(["signal", "regime", "sizing", "order_submitted", "fill"]);
    expect(doc.events[0]).toMatchObject({ type: "signal", seq: 1, symbol: "AAPL", refPriceUsd: 101.5 });
    expect(doc.events.every((e) => !Number.isNaN(Date.parse(e.ts)) && e.ts.endsWith("Z"))).toBe(true);
    expect(readJournal(dir, D2)).toMatchObject([{ type: "summary", trades: 0, seq: 1 }]);
    expect(statSync(join(jdir(), `${D1}.json`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(jdir(), `${D2}.json`)).mode & 0o777).toBe(0o600);
  });

  it("reads a day mid-way (segment not yet compacted) and continues seq after a restart", () => {
    const j1 = Journal.open(dir);
    sampleDay(j1, D1);
    expect(statSync(join(jdir(), `${D1}.jsonl`)).mode & 0o777).toBe(0o600);
    expect(readJournal(dir, D1)).toHaveLength(5);
    // No close(): as after a SIGKILL. The next open folds the segment.
    const j2 = Journal.open(dir);
    expect(j2.recovery.compacted).toMatchObject([{ date: D1, events: 5, badSegmentLines: 0 }]);
    j2.append(D1, "halt", { reason: "daily loss limit" });
    j2.close();
    expect(readJournal(dir, D1).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("recovers a segment truncated mid-line (SIGKILL during append): keeps every whole event", () => {
    const j = Journal.open(dir);
    sampleDay(j, D1);
    const seg = join(jdir(), `${D1}.jsonl`);
    truncateSync(seg, statSync(seg).size - 20);
    expect(readJournal(dir, D1)).toHaveLength(4); // readers tolerate the cut line too
    const again = Journal.open(dir);
    expect(again.recovery.compacted[0]).toMatchObject({ date: D1, events: 4, badSegmentLines: 1 });
    expect(readJournal(dir, D1).map((e) => e.type)).toEqual(["signal", "regime", "sizing", "order_submitted"]);
    // The lost fill's seq is reused by the next event, so seq stays contiguous.
    again.append(D1, "fill", { clientOrderId: "o1" });
    expect(readJournal(dir, D1).at(-1)).toMatchObject({ type: "fill", seq: 5 });
  });

  it("recovers a truncated day document: salvages whole events, keeps the damaged copy aside", () => {
    const j = Journal.open(dir);
    sampleDay(j, D1);
    j.close();
    const doc = join(jdir(), `${D1}.json`);
    const text = readFileSync(doc, "utf8");
    writeFileSync(doc, text.slice(0, text.indexOf('"type":"fill"') + 5));
    expect(() => readJournal(dir, D1)).toThrow(JournalError);
    writeFileSync(join(jdir(), `${D1}.json.tmp-4242-1`), "{half");
    const again = Journal.open(dir, { now: () => Date.UTC(2026, 0, 6, 1, 0, 0) });
    expect(again.recovery.strayTempsRemoved).toEqual([join(jdir(), `${D1}.json.tmp-4242-1`)]);
    expect(again.recovery.compacted[0].damagedMovedTo).toBe(`${doc}.corrupt-2026-01-06T01-00-00.000Z`);
    expect(readJournal(dir, D1).map((e) => e.type)).toEqual(["signal", "regime", "sizing", "order_submitted"]);
    expect(existsSync(`${doc}.corrupt-2026-01-06T01-00-00.000Z`)).toBe(true);
  });

  it("a crash between compaction's rename and the segment delete does not duplicate events", () => {
    const j = Journal.open(dir);
    sampleDay(j, D1);
    const segText = readFileSync(join(jdir(), `${D1}.jsonl`), "utf8");
    j.close();
    writeFileSync(join(jdir(), `${D1}.jsonl`), segText); // the segment "survived"
    Journal.open(dir).close();
    expect(readJournal(dir, D1)).toHaveLength(5);
  });

  it("appending stays cheap as the day grows (append-only segment, no rewrite per event)", () => {
    const j = Journal.open(dir, { fsync: false });
    const batch = (n: number): number => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) j.append(D1, "order_update", { clientOrderId: `x${i}`, status: "new", note: "x".repeat(200) });
      return performance.now() - t0;
    };
    const first = batch(500);
    batch(20_000);
    const last = batch(500);
    expect(last).toBeLessThan(Math.max(5 * first, first + 50));
    const t0 = performance.now();
    j.close();
    expect(performance.now() - t0).toBeLessThan(5000); // the one compaction of a ~5 MB day
    expect(readJournal(dir, D1)).toHaveLength(21_000);
  });
});

function bothJournals(secrets: string[] = []): [string, JournalSink][] {
  return [
    ["file", Journal.open(dir, { secrets })],
    ["memory", new MemoryJournal({ secrets })],
  ];
}

describe("Journal rules (file and memory twins)", () => {
  it("journals exactly one order_submitted per submission, also across a restart", () => {
    for (const [, j] of bothJournals()) {
      const { store } = MemoryStateStore.open(null);
      store.recordIntent("o1", intent("o1"));
      // The daemon's pattern: journal only on the ledger's intended -> submitted transition.
      for (let attempt = 0; attempt < 3; attempt++) if (store.markSubmitted("o1")) j.append(D1, "order_submitted", { clientOrderId: "o1" });
      // And the journal refuses a duplicate even if a caller slips.
      expect(j.append(D1, "order_submitted", { clientOrderId: "o1" })).toBe(false);
      expect(j.append(D1, "order_submitted", { clientOrderId: "o2" })).toBe(true);
      expect(() => j.append(D1, "order_submitted", { symbol: "AAPL" })).toThrow(/clientOrderId/);
      const subs = j.readDay(D1).filter((e) => e.type === "order_submitted");
      expect(subs.map((e) => e.clientOrderId)).toEqual(["o1", "o2"]);
      j.close();
    }
    const reopened = Journal.open(dir);
    expect(reopened.append(D1, "order_submitted", { clientOrderId: "o1" })).toBe(false);
  });

  it("never writes a configured secret, anywhere in the payload", () => {
    const key = "PKTESTKEY1234567890";
    const secret = "sEcReT/abcdefghijklmnop";
    for (const [kind, j] of bothJournals([key, secret, ""])) {
      j.append(D1, "reconcile", {
        key,
        nested: { headers: { "APCA-API-SECRET-KEY": secret, auth: `Bearer ${key}` }, list: [secret, "fine"] },
        [key]: "as a key",
        message: "ok",
      });
      j.close();
      const ev = j.readDay(D1)[0];
      expect(ev.key).toBe(REDACTED);
      expect(ev.message).toBe("ok");
      expect(ev.nested).toEqual({ headers: { "APCA-API-SECRET-KEY": REDACTED, auth: REDACTED }, list: [REDACTED, "fine"] });
      const raw = kind === "file" ? readdirSync(jdir()).map((f) => readFileSync(join(jdir(), f), "utf8")).join("") : JSON.stringify(j.readDay(D1));
      expect(raw).not.toContain(key);
      expect(raw).not.toContain(secret);
      expect(raw).toContain("ok");
    }
  });

  it("validates dates, event types and reserved keys", () => {
    for (const [, j] of bothJournals()) {
      expect(() => j.append("2026-1-5", "signal")).toThrow(/YYYY-MM-DD/);
      expect(() => j.append(D1, "bogus" as "signal")).toThrow(/unknown event type/);
      expect(() => j.append(D1, "signal", { ts: "x" })).toThrow(/reserved key "ts"/);
      j.close();
    }
  });

  it("the memory twin stores what the file journal stores", () => {
    const clockA = steppingClock();
    const clockB = steppingClock();
    const file = Journal.open(dir, { now: clockA });
    const mem = new MemoryJournal({ now: clockB });
    sampleDay(file, D1);
    sampleDay(mem, D1);
    file.close();
    expect(mem.document(D1)).toEqual(JSON.parse(readFileSync(join(jdir(), `${D1}.json`), "utf8")));
  });
});

describe("buffered journal (the daemon's): one write per turn of the event loop", () => {
  it("holds a turn's events in memory, writes them in order at its end, and never loses them on read or close", async () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    const j = Journal.open(dir, { fsync: false, buffered: true, now: () => Date.UTC(2024, 0, 2, 15) });
    j.append("2024-01-02", "signal", { symbol: "AAA" });
    j.append("2024-01-02", "sizing", { symbol: "AAA" });
    const segment = join(dir, "journal", "2024-01-02.jsonl");
    // Nothing on disk yet: the decision's order would otherwise wait behind these writes.
    expect(existsSync(segment) ? readFileSync(segment, "utf8") : "").toBe("");
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(segment, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(["signal", "sizing"]);
    j.append("2024-01-02", "fill", { symbol: "AAA" });
    // A reader sees what was appended, written or not.
    expect(j.readDay("2024-01-02").map((e) => e.type)).toEqual(["signal", "sizing", "fill"]);
    j.append("2024-01-03", "signal", { symbol: "BBB" });
    j.close();
    expect(readJournal(dir, "2024-01-03").map((e) => e.type)).toEqual(["signal"]);
    expect(readJournal(dir, "2024-01-02")).toHaveLength(3);
  });
});
