/**
 * Bytes the exchange's persistence writes per order change with N orders open (issue 13, item 4:
 * "3,000 open orders rewrite a 2.7 MB book.json on every change"). For each N it opens a store in a
 * temp dir, rests N limit buys far below the market, then makes CHANGES more changes (a submit and a
 * cancel, alternating) and counts the bytes the process wrote (Linux /proc/self/io `wchar`: every
 * write(2), so the figure includes snapshot compactions when they happen).
 *   node --import tsx scripts/measure-book-writes.ts [N,...] [CHANGES]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Book } from "../src/exchange/book.ts";
import { BookStore } from "../src/exchange/persist.ts";

const counts = (process.argv[2] ?? "10,1000,3000").split(",").map(Number);
const changes = Number(process.argv[3] ?? 200);
const START = Date.UTC(2024, 0, 2, 15, 0);

function wchar(): number {
  const m = /wchar:\s*(\d+)/.exec(readFileSync("/proc/self/io", "utf8"));
  if (!m) throw new Error("no wchar in /proc/self/io (Linux only)");
  return Number(m[1]);
}

console.log(`changes per N: ${changes}`);
console.log("open orders | bytes per change | book.json bytes");
for (const n of counts) {
  const dir = mkdtempSync(join(tmpdir(), "sw-book-writes-"));
  const file = join(dir, "book.json");
  const fingerprint = { symbols: ["AAA"], firstBarMs: START, initialCashUsd: 1e9, frictionPctRoundTrip: 0, partialFill: null };
  const { store } = BookStore.open(file, fingerprint);
  const book = new Book({ initialCashUsd: 1e9, frictionPctRoundTrip: 0, symbols: ["AAA"], startMs: START });
  store.attach(book);
  const replay = { minutes: 0, bars: 0, hash: 0, lastMinuteMs: null, done: false };
  const limit = (i: number): void => void book.submit({ symbol: "AAA", qty: "1", side: "buy", type: "limit", limit_price: "1.00", time_in_force: "gtc", client_order_id: `o-${i}` });
  for (let i = 0; i < n; i++) {
    limit(i);
    store.save(book, "acct", replay);
  }
  const before = wchar();
  for (let k = 0; k < changes; k++) {
    if (k % 2 === 0) limit(n + k);
    else {
      const id = book.openOrderIds()[0];
      book.cancel(id);
      book.completeCancels(book.drainCancelRequests());
    }
    store.save(book, "acct", replay);
  }
  const per = (wchar() - before) / changes;
  console.log(`${String(n).padStart(11)} | ${per.toFixed(0).padStart(16)} | ${statSync(file).size}`);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
