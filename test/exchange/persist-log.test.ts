import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import type { Exchange, ExchangeOptions } from "../../src/exchange/server.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { changesFileOf, logFileOf } from "../../src/exchange/persist.ts";
import { series } from "./helpers.ts";
import { client, idOf, KEY, SECRET } from "./sdk-helpers.ts";

/**
 * The change log plus snapshots (issue 13, item 4: a save used to rewrite every open order) and the
 * refusal of damaged state (item 2: a missing or wrong-shape book.json used to start fresh or crash).
 */

const open: Exchange[] = [];
afterEach(async () => {
  for (const ex of open.splice(0)) await ex.close();
});

function stateFile(): string {
  return join(mkdtempSync(join(tmpdir(), "sw-ex-log-")), "exchange", "book.json");
}

const BARS = [series("ABC", Array.from({ length: 30 }, () => [10, 10.1, 9.9, 10] as [number, number, number, number]))];
const opts = (persistFile: string, o: Partial<ExchangeOptions> = {}): ExchangeOptions => ({
  keyId: KEY, secretKey: SECRET, bars: BARS, speed: "max", initialCashUsd: 1_000_000, frictionPctRoundTrip: 0, persistFile, ...o,
});

async function start(o: ExchangeOptions): Promise<{ ex: Exchange; alpaca: Alpaca; log: string[] }> {
  const log: string[] = [];
  const ex = await startExchange({ log: (l) => log.push(l), ...o });
  open.push(ex);
  return { ex, alpaca: client(ex), log };
}

const rest = (alpaca: Alpaca, cid: string, price = 1): ReturnType<Alpaca["trading"]["orders"]["limit"]> =>
  alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: price, timeInForce: "gtc", clientOrderId: cid });

describe("the change log", () => {
  it("costs a save what changed, not what is open: the snapshot stays put while 300 orders rest", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file));
    ex.stepBars(1);
    const snapshots = new Set<string>([readFileSync(file, "utf8")]);
    const grow: number[] = [];
    for (let i = 0; i < 300; i++) {
      const before = statSync(changesFileOf(file)).size;
      await rest(alpaca, `r-${i}`);
      const after = statSync(changesFileOf(file)).size;
      if (after >= before) grow.push(after - before);
      snapshots.add(readFileSync(file, "utf8"));
    }
    // One compaction at most (256 KiB of change lines); a snapshot per save would be 300.
    expect(snapshots.size).toBeLessThanOrEqual(2);
    // A change line does not grow with the orders already open.
    expect(Math.max(...grow.slice(-10))).toBeLessThan(1.5 * Math.max(...grow.slice(0, 10)));
    expect(Math.max(...grow)).toBeLessThan(4000);
    // Resumes with all 300 from the snapshot plus the change log.
    const r = await start(opts(file));
    expect(r.ex.resumed).toBe(true);
    expect(r.ex.book.openOrderIds()).toHaveLength(300);
  });

  it("compacts once the log outgrows the threshold: a new snapshot, an emptied log, the same book", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file, { compactBytes: 20_000 }));
    ex.stepBars(1);
    for (let i = 0; i < 40; i++) await rest(alpaca, `r-${i}`);
    expect(statSync(changesFileOf(file)).size).toBeLessThan(20_000 + 4000);
    const snap = JSON.parse(readFileSync(file, "utf8")) as { open: unknown[]; seq: number };
    expect(snap.open.length).toBeGreaterThan(5);
    const r = await start(opts(file));
    expect(r.ex.book.openOrderIds()).toHaveLength(40);
    expect(r.ex.book.orderByClientId("r-39")?.status).toBe("new");
  });

  it("skips lines a crash left between a compaction's rename and the emptying of the log", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file, { compactBytes: 0 }));
    ex.stepBars(1);
    await rest(alpaca, "a");
    const changes = changesFileOf(file);
    const oldLines = readFileSync(changes, "utf8"); // empty: every save compacts here
    const o = await rest(alpaca, "b");
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: idOf(o) });
    await new Promise((r) => setTimeout(r, 5));
    // Simulate the crash: the log still holds lines already folded into the snapshot.
    const snap = JSON.parse(readFileSync(file, "utf8")) as { seq: number };
    const stale = { seq: snap.seq, replay: { minutes: 0, bars: 0, hash: 0, lastMinuteMs: null, done: false }, account: { cashUsd: 1, nowMs: 0, positions: [], lastPrices: [], rngDraws: 0, nextSeq: 0 }, logBytes: 0, open: [], settled: [] };
    writeFileSync(changes, `${oldLines}${JSON.stringify(stale)}\n`);
    const r = await start(opts(file));
    expect(r.ex.book.orderByClientId("b")?.status).toBe("canceled");
    expect(r.ex.book.cashUsd).toBe(1_000_000);
  });

  it("drops a torn last line and reports it; the saves before it stand", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file));
    ex.stepBars(1);
    await rest(alpaca, "kept");
    const changes = changesFileOf(file);
    const good = readFileSync(changes);
    appendFileSync(changes, '{"seq":99,"replay":{"minu');
    const r = await start(opts(file));
    expect(r.ex.book.orderByClientId("kept")?.status).toBe("new");
    expect(r.log).toEqual([expect.stringMatching(/book\.changes\.jsonl: dropped a torn last line \(\d+ bytes\)/)]);
    // Cut off, then compacted at the first save: the log is empty and the book whole.
    expect(readFileSync(changes).length).toBeLessThanOrEqual(good.length);
  });

  it("cuts history a crash wrote after the last completed save, and says so", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file));
    ex.stepBars(1);
    await rest(alpaca, "f", 10);
    ex.stepBars(1); // fills: an execution and a settled order in the history
    const history = logFileOf(file);
    const good = readFileSync(history);
    appendFileSync(history, '{"k":"exec","id":"torn');
    const r = await start(opts(file));
    expect(r.log).toEqual([expect.stringMatching(/book\.history\.jsonl: cut 22 bytes written after the last completed save/)]);
    expect(readFileSync(history)).toEqual(good);
    expect(r.ex.book.executions()).toHaveLength(1);
  });

  it("refuses a damaged line before the last one, naming the file, the line and the fix", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file));
    ex.stepBars(1);
    await rest(alpaca, "x");
    await rest(alpaca, "y");
    const changes = changesFileOf(file);
    const lines = readFileSync(changes, "utf8").split("\n");
    lines[0] = '{"seq":"one"}';
    writeFileSync(changes, lines.join("\n"));
    await expect(startExchange(opts(file))).rejects.toThrow(/exchange change log .*book\.changes\.jsonl line 1 is damaged \(seq: .*\); restore it from a backup, or start a new exchange by moving .*exchange aside/);
  });
});

describe("damaged exchange state is refused, not replaced", () => {
  it("refuses a missing book.json whose history is kept, naming both and the fix", async () => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file));
    ex.stepBars(1);
    const o = await rest(alpaca, "c", 10);
    ex.stepBars(1);
    expect(ex.book.order(idOf(o))?.status).toBe("filled");
    await ex.close();
    open.splice(0);
    rmSync(file);
    await expect(startExchange(opts(file))).rejects.toThrow(/exchange state .*book\.json is missing but .*book\.history\.jsonl .*(is|are) kept: the book cannot be rebuilt without its snapshot\. Restore book\.json from a backup, or start a new exchange by moving .*exchange aside \(mv /);
    expect(existsSync(logFileOf(file))).toBe(true); // nothing moved or deleted
  });

  it.each([
    ["an empty object", "{}", /format: /],
    ["a missing account", "DROP:account", /account: /],
    ["positions of the wrong type", "SET:positions", /account\.positions: /],
    ["an array", "[]", /\(top level\)/],
  ])("refuses a book.json with %s, naming the file and the field (no 'Cannot read properties')", async (_what, edit, field) => {
    const file = stateFile();
    const { ex, alpaca } = await start(opts(file));
    ex.stepBars(1);
    await rest(alpaca, "w");
    await ex.close();
    open.splice(0);
    const snap = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> & { account: Record<string, unknown> };
    let text = edit;
    if (edit === "DROP:account") text = JSON.stringify({ ...snap, account: undefined });
    if (edit === "SET:positions") text = JSON.stringify({ ...snap, account: { ...snap.account, positions: "none" } });
    copyFileSync(file, `${file}.bak`);
    writeFileSync(file, text);
    const err = await startExchange(opts(file)).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/exchange state .*book\.json is not a sizewise-exchange-book\/2 snapshot/);
    expect(err?.message).toMatch(field);
    expect(err?.message).not.toMatch(/Cannot read properties/);
    expect(err?.message).toMatch(/start a new exchange by moving/);
  });
});
