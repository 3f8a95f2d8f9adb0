import { z } from "zod";
import type { Working } from "./order-classes.ts";
import { linkExitPair } from "./order-classes.ts";
import type { BookAccount } from "./book.ts";
import type { AlpacaOrder, Execution } from "./types.ts";

/**
 * The shapes of the exchange's three files (see persist.ts), validated on every read: a file of
 * the wrong shape is refused naming the file, the field and the fix, never "Cannot read
 * properties of undefined" (issue 13, item 2).
 */

export const FORMAT = "sizewise-exchange-book/2";
/** Snapshots of format 1 (before the change log) are read as format 2 snapshots with no changes. */
const FORMATS = ["sizewise-exchange-book/1", FORMAT] as const;

const num = z.number();
const count = z.number().int().nonnegative();

const fingerprintSchema = z.object({
  symbols: z.array(z.string()),
  firstBarMs: num.nullable(),
  initialCashUsd: num,
  frictionPctRoundTrip: num,
  partialFill: z.object({ fraction: num, seed: num }).nullable(),
});

const replaySchema = z.object({ minutes: count, bars: count, hash: num, lastMinuteMs: num.nullable(), done: z.boolean() });

const accountSchema = z.object({
  cashUsd: num,
  nowMs: num,
  positions: z.array(z.object({ symbol: z.string(), qty: num, avgEntryUsd: num })),
  lastPrices: z.array(z.tuple([z.string(), num])),
  rngDraws: count,
  nextSeq: count,
  lastEquityUsd: num.optional(),
  equityDay: num.optional(),
});

const savedOrderSchema = z.object({
  // The Alpaca order is stored as the wire shows it; the fields the book keys on are checked.
  order: z.looseObject({ id: z.string(), client_order_id: z.string(), symbol: z.string(), status: z.string(), side: z.string(), type: z.string() }),
  qty: num,
  filledQty: num,
  filledNotional: num,
  limit: num.nullable(),
  stop: num.nullable(),
  arrivalMs: num,
  split: z.boolean(),
  expiryMs: num.nullable(),
  seq: num,
  doomed: z.boolean().optional(),
});

const groupSchema = z.object({ root: savedOrderSchema, legs: z.array(savedOrderSchema) });

const snapshotSchema = z.object({
  format: z.enum(FORMATS),
  fingerprint: fingerprintSchema,
  accountId: z.string(),
  replay: replaySchema,
  account: accountSchema,
  open: z.array(groupSchema),
  logBytes: count,
  /** The last change record folded into this snapshot (format 1: none). */
  seq: count.optional(),
});

const changeSchema = z.object({
  seq: count,
  replay: replaySchema,
  account: accountSchema,
  logBytes: count,
  /** Groups touched by this change that are still open, whole. */
  open: z.array(groupSchema),
  /** Root ids of groups that settled into the history log with this change. */
  settled: z.array(z.string()),
});

const logRecordSchema = z.union([
  groupSchema.extend({ k: z.literal("group") }),
  z.looseObject({ k: z.literal("exec"), id: z.string(), orderId: z.string(), symbol: z.string(), qty: num, price: num }),
]);

/** What the saved state must agree with to be resumed on this data. */
export interface Fingerprint {
  readonly symbols: readonly string[];
  readonly firstBarMs: number | null;
  readonly initialCashUsd: number;
  readonly frictionPctRoundTrip: number;
  readonly partialFill: { readonly fraction: number; readonly seed: number } | null;
}

/** How far the replay got, with a running hash of the bars replayed (the resumed data must match it). */
export interface ReplayState {
  readonly minutes: number;
  readonly bars: number;
  readonly hash: number;
  /** Start of the last replayed minute; null before the first. */
  readonly lastMinuteMs: number | null;
  readonly done: boolean;
}
/** An order with the book's working internals; NaN and Infinity are saved as null. */
export type SavedOrder = Omit<z.infer<typeof savedOrderSchema>, "order"> & { readonly order: Omit<AlpacaOrder, "legs"> };
export interface SavedGroup {
  readonly root: SavedOrder;
  /** oco: [stop]; bracket: [take-profit limit, stop-loss stop]. */
  readonly legs: readonly SavedOrder[];
}
/** The snapshot file's JSON. */
export type Snapshot = Omit<z.infer<typeof snapshotSchema>, "open" | "account" | "fingerprint" | "replay"> & {
  readonly open: readonly SavedGroup[];
  readonly account: BookAccount;
  readonly fingerprint: Fingerprint;
  readonly replay: ReplayState;
};
/** One line of the change log: the state a save left, as far as it differs from the line before. */
export type ChangeRecord = Omit<z.infer<typeof changeSchema>, "open" | "account" | "replay"> & {
  readonly open: readonly SavedGroup[];
  readonly account: BookAccount;
  readonly replay: ReplayState;
};
export type LogRecord = ({ readonly k: "group" } & SavedGroup) | ({ readonly k: "exec" } & Execution);

/** The first problem zod found, as `path: message`. */
function problem(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i.path.length > 0 ? i.path.join(".") : "(top level)"}: ${i.message}`;
}

/** A parsed snapshot, or a one-line reason it is not one. */
export function parseSnapshot(json: unknown): Snapshot | string {
  const r = snapshotSchema.safeParse(json);
  return r.success ? (json as Snapshot) : problem(r.error);
}

/** A parsed change record, or a one-line reason it is not one. */
export function parseChange(json: unknown): ChangeRecord | string {
  const r = changeSchema.safeParse(json);
  return r.success ? (json as ChangeRecord) : problem(r.error);
}

/** A parsed history record, or a one-line reason it is not one. */
export function parseLogRecord(json: unknown): LogRecord | string {
  const r = logRecordSchema.safeParse(json);
  return r.success ? (json as LogRecord) : problem(r.error);
}

export function savedOrder(w: Working): SavedOrder {
  const { legs: _legs, ...order } = w.order;
  return {
    order, qty: w.qty, filledQty: w.filledQty, filledNotional: w.filledNotional,
    limit: Number.isNaN(w.limit) ? null : w.limit, stop: Number.isNaN(w.stop) ? null : w.stop,
    arrivalMs: w.arrivalMs, split: w.split, expiryMs: Number.isFinite(w.expiryMs) ? w.expiryMs : null, seq: w.seq,
    ...(w.doomed ? { doomed: true } : {}),
  };
}

export function savedGroup(root: Working): SavedGroup {
  return { root: savedOrder(root), legs: root.legs.map(savedOrder) };
}

function toWorking(s: SavedOrder): Working {
  return {
    order: { ...s.order, legs: null }, qty: s.qty, filledQty: s.filledQty, filledNotional: s.filledNotional,
    limit: s.limit ?? NaN, stop: s.stop ?? NaN, arrivalMs: s.arrivalMs, split: s.split,
    expiryMs: s.expiryMs ?? Infinity, legs: [], reserves: true, seq: s.seq, doomed: s.doomed ?? false,
  };
}

export function toGroup(g: SavedGroup): Working {
  const root = toWorking(g.root);
  const legs = g.legs.map(toWorking);
  // Same shapes as Book.exitLegs: an oco's root is its limit leg; a bracket's legs are [limit, stop].
  if (legs.length > 0) linkExitPair(root, legs.length === 2 ? legs[0] : root, legs[legs.length - 1]);
  return root;
}
