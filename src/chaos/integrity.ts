import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Book } from "../exchange/book.ts";
import { parseState } from "../store/state-schema.ts";

/** The chaos run's checks on what a run left behind: files that must parse, and the zero-counts against the broker's book. */

/** What the zero-counts need of the broker's book: plain data, so a child can send it over IPC when the exchange lives there. */
export interface BookFacts {
  readonly orders: readonly { readonly client_order_id: string; readonly status: string }[];
  readonly positions: readonly { readonly symbol: string; readonly qty: number }[];
  readonly executions: readonly { readonly symbol: string; readonly side: string; readonly qty: number }[];
}

/** The facts of a live book. */
export function bookFacts(book: Book): BookFacts {
  return {
    orders: book.allOrders().map((o) => ({ client_order_id: o.client_order_id, status: o.status })),
    positions: book.allPositions().map((p) => ({ symbol: p.symbol, qty: p.qty })),
    executions: book.executions().map((x) => ({ symbol: x.symbol, side: x.side, qty: x.qty })),
  };
}

/** True when an order in the book is partially filled (the moment the "partial fill" kill waits for). */
export function partiallyFilled(book: Book): boolean {
  return book.allOrders().some((o) => o.status === "partially_filled");
}

/** State, write-ahead log and journal files that do not parse (a torn last line of an append-only file is not a failure: readers skip it). */
export function countUnparseable(stateDir: string, problems: string[]): number {
  let bad = 0;
  const fail = (file: string, e: unknown): void => {
    bad++;
    problems.push(`${file} does not parse: ${(e as Error).message}`);
  };
  const state = join(stateDir, "state.json");
  if (existsSync(state)) {
    try {
      parseState(readFileSync(state, "utf8"), state);
    } catch (e) {
      fail(state, e);
    }
  }
  const jsonLines = (file: string): void => {
    const lines = readFileSync(file, "utf8").split("\n");
    // Only a cut final line may be torn.
    for (let i = 0; i < lines.length - 1; i++) {
      if (lines[i].trim() === "") continue;
      try {
        JSON.parse(lines[i]);
      } catch (e) {
        return fail(`${file}:${i + 1}`, e);
      }
    }
  };
  if (existsSync(join(stateDir, "intents.jsonl"))) jsonLines(join(stateDir, "intents.jsonl"));
  const jdir = join(stateDir, "journal");
  if (existsSync(jdir)) {
    for (const f of readdirSync(jdir)) {
      const file = join(jdir, f);
      if (f.endsWith(".jsonl")) jsonLines(file);
      else if (f.endsWith(".json")) {
        try {
          JSON.parse(readFileSync(file, "utf8"));
        } catch (e) {
          fail(file, e);
        }
      }
    }
  }
  return bad;
}

interface JournalEventLike {
  readonly type: string;
  readonly [k: string]: unknown;
}

function journalEvents(stateDir: string): JournalEventLike[] {
  const dir = join(stateDir, "journal");
  const out: JournalEventLike[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".json")) continue;
    const j = JSON.parse(readFileSync(join(dir, f), "utf8")) as { events: JournalEventLike[] };
    out.push(...j.events);
  }
  return out;
}

/** The broker's refusals that only the bot's own sequencing causes (alpaca-protocol.md: 403 insufficient qty, 422 wash trade). */
export const SEQUENCING_REFUSAL = /insufficient qty|wash trade/i;

/** Journaled refusals (order_update rejected) whose reason is a sequencing fault. */
export function countSequencingRefusals(events: readonly { readonly type?: unknown; readonly event?: unknown; readonly reason?: unknown }[]): number {
  return events.filter((e) => e.type === "order_update" && e.event === "rejected" && typeof e.reason === "string" && SEQUENCING_REFUSAL.test(e.reason)).length;
}

/** The zero-counts: what the broker holds against what the bot's state and journal say. */
export function checkIntegrity(book: BookFacts, stateDir: string) {
  const problems: string[] = [];
  const orders = book.orders.filter((o) => o.client_order_id.startsWith("bear-trap."));
  const byCoid = new Map<string, number>();
  for (const o of orders) byCoid.set(o.client_order_id, (byCoid.get(o.client_order_id) ?? 0) + 1);
  const events = journalEvents(stateDir);
  const submitted = events.filter((e) => e.type === "order_submitted").map((e) => String(e.clientOrderId));
  const submittedTwice = submitted.length - new Set(submitted).size;
  const duplicateClientOrderIds = [...byCoid.values()].filter((n) => n > 1).length + submittedTwice;
  if (submittedTwice > 0) problems.push(`${submittedTwice} client order ids journaled as submitted more than once`);
  // One intent, one order: a signal's entry (symbol + signal minute) is one order whatever its id.
  const entries = new Map<string, number>();
  for (const o of orders) {
    const m = /^bear-trap\.([^.]+)\.(\d{8}T\d{4})\.entry$/.exec(o.client_order_id);
    if (m) entries.set(`${m[1]} ${m[2]}`, (entries.get(`${m[1]} ${m[2]}`) ?? 0) + 1);
  }
  const ordersPlacedTwice = [...entries.values()].filter((n) => n > 1).length + [...byCoid.values()].filter((n) => n > 1).length;
  const state = parseState(readFileSync(join(stateDir, "state.json"), "utf8"), "state.json");
  let unknownBrokerPositions = 0;
  for (const p of book.positions) {
    const held = Object.values(state.positions).filter((x) => x.symbol === p.symbol).reduce((n, x) => n + x.qtyShares, 0);
    if (p.qty !== 0 && held !== p.qty) {
      unknownBrokerPositions++;
      problems.push(`broker holds ${p.qty} ${p.symbol}, state ${held}`);
    }
  }
  // Every execution the broker made for the bot, in the journal: shares per symbol and side.
  const key = (symbol: string, side: string): string => `${symbol} ${side}`;
  const broker = new Map<string, { n: number; qty: number }>();
  for (const x of book.executions) {
    const k = key(x.symbol, x.side);
    const v = broker.get(k) ?? { n: 0, qty: 0 };
    broker.set(k, { n: v.n + 1, qty: v.qty + x.qty });
  }
  const journal = new Map<string, { n: number; qty: number }>();
  for (const e of events.filter((x) => x.type === "fill")) {
    const k = key(String(e.symbol), String(e.side));
    const v = journal.get(k) ?? { n: 0, qty: 0 };
    journal.set(k, { n: v.n + 1, qty: v.qty + Number(e.qty) });
  }
  let fillsMissingFromJournal = 0;
  for (const [k, b] of broker) {
    const j = journal.get(k) ?? { n: 0, qty: 0 };
    if (j.n < b.n || j.qty !== b.qty) {
      fillsMissingFromJournal += Math.max(1, b.n - j.n);
      problems.push(`fills of ${k}: broker ${b.n} (${b.qty} sh), journal ${j.n} (${j.qty} sh)`);
    }
  }
  const refusedBySequencing = countSequencingRefusals(events);
  if (refusedBySequencing > 0) problems.push(`${refusedBySequencing} orders refused for held shares or as wash trades`);
  return { duplicateClientOrderIds, ordersPlacedTwice, unknownBrokerPositions, fillsMissingFromJournal, refusedBySequencing, problems };
}

