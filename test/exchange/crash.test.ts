import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import type { Alpaca } from "@alpacahq/alpaca-trade-api";
import { TimeFrame } from "@alpacahq/alpaca-trade-api";
import { MIN, OPEN_MS } from "./helpers.ts";
import { apiError, client, idOf } from "./sdk-helpers.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURE = resolve(import.meta.dirname, "fixtures/exchange-child.ts");

/** The fixture process and its stdout, one JSON line at a time. */
class Child {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  readonly exited: Promise<NodeJS.Signals | number | null>;

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on("line", (l) => {
      if (this.waiting) {
        this.waiting(l);
        this.waiting = null;
      } else this.lines.push(l);
    });
    this.exited = new Promise((r) => proc.once("exit", (code, signal) => r(signal ?? code)));
  }

  static start(file: string): Child {
    return new Child(spawn(process.execPath, ["--import", "tsx", FIXTURE, file], { cwd: ROOT, stdio: "pipe" }));
  }

  async line<T>(): Promise<T> {
    const l = this.lines.shift() ?? (await new Promise<string>((r, reject) => {
      this.waiting = r;
      void this.exited.then((how) => reject(new Error(`child exited (${String(how)})`)));
    }));
    return JSON.parse(l) as T;
  }

  async step(n: number): Promise<number> {
    this.proc.stdin.write(`step ${n}\n`);
    return (await this.line<{ nowMs: number }>()).nowMs;
  }
}

const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.proc.kill("SIGKILL");
});

async function boot(file: string): Promise<{ c: Child; alpaca: Alpaca; resumed: boolean; nowMs: number }> {
  const c = Child.start(file);
  children.push(c);
  const hello = await c.line<{ url: string; resumed: boolean; nowMs: number }>();
  return { c, alpaca: client(hello), resumed: hello.resumed, nowMs: hello.nowMs };
}

describe("the exchange survives SIGKILL", () => {
  it("keeps every acknowledged order, the fills, positions, cash, the clock and the client-id register", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sw-ex-crash-")), "exchange", "book.json");
    const a = await boot(file);
    expect(a.resumed).toBe(false);
    await a.c.step(1); // prices known: ABC 10, XYZ 50
    const m = await a.alpaca.trading.orders.market({ symbol: "ABC", qty: 4, side: "buy", clientOrderId: "m-1" });
    await a.c.step(1); // 2 @ 11 (partial: the seeded split)
    const lim = await a.alpaca.trading.orders.limit({ symbol: "ABC", qty: 1, side: "buy", limitPrice: 5, timeInForce: "gtc", clientOrderId: "l-1" });
    const clockMs = await a.c.step(1); // 2 @ 12
    const last = await a.alpaca.trading.orders.market({ symbol: "XYZ", qty: 1, side: "buy", clientOrderId: "last-1" });
    // Acknowledged: kill at once, with no chance to flush anything.
    a.c.proc.kill("SIGKILL");
    expect(await a.c.exited).toBe("SIGKILL");

    const b = await boot(file);
    expect([b.resumed, b.nowMs]).toEqual([true, clockMs]);
    const o = b.alpaca.trading.orders;
    expect((await o.getOrderByClientOrderId({ clientOrderId: "last-1" })).id).toBe(last.id);
    expect((await o.getOrderByClientOrderId({ clientOrderId: "last-1" })).status).toBe("new");
    const mm = await o.getOrderByOrderID({ orderId: idOf(m) });
    expect([mm.status, mm.filledQty, mm.filledAvgPrice]).toEqual(["filled", "4", "11.5"]);
    expect((await o.getOrderByOrderID({ orderId: idOf(lim) })).status).toBe("new");
    const pos = await b.alpaca.trading.positions.getAllOpenPositions();
    expect(pos.map((p) => [p.symbol, p.qty, p.avgEntryPrice])).toEqual([["ABC", "4", "11.5"]]);
    expect((await b.alpaca.trading.account.getAccount()).cash).toBe(String(100_000 - 46));
    const fills = await b.alpaca.trading.accountActivities.getAccountActivities({ activityTypes: ["FILL"], direction: "asc" });
    expect(fills.map((f) => [f.type, f.qty, f.price, f.transactionTime?.getTime()])).toEqual([
      ["partial_fill", "2", "11", OPEN_MS + MIN],
      ["fill", "2", "12", OPEN_MS + 2 * MIN],
    ]);
    expect((await b.alpaca.trading.clock.legacyClock()).timestamp.getTime()).toBe(clockMs);
    for (const cid of ["last-1", "m-1", "l-1"]) {
      const dup = await apiError(o.market({ symbol: "ABC", qty: 1, side: "buy", clientOrderId: cid }));
      expect([dup.status, dup.message]).toEqual([422, "client_order_id must be unique"]);
    }
    // The replay goes on right after the saved clock: the order placed before the kill fills on the next bar.
    const bars = (): Promise<number[]> => b.alpaca.marketData.getStockBars({ symbols: ["XYZ"], timeframe: TimeFrame.Minute, start: new Date(0) }).then((r) => r.XYZ.map((x) => x.open));
    expect(await bars()).toEqual([50, 51, 52]);
    await b.c.step(1);
    expect(await bars()).toEqual([50, 51, 52, 53]);
    const filled = await o.getOrderByOrderID({ orderId: idOf(last) });
    expect([filled.status, filled.filledAvgPrice]).toEqual(["filled", "53"]);
  }, 60_000);
});
