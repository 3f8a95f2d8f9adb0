import { z } from "zod";
import { qTableFileSchema } from "../sizing/rl/persist.ts";
import { describeZodIssues } from "../config/zod-issues.ts";

/**
 * The daemon's state file: only what is needed to resume (open positions, working orders,
 * learners, limits). History is the journal's job, so nothing here grows with past trades.
 */

export const STATE_SCHEMA_VERSION = 1;

const finite = z.number().finite();
const jsonValue: z.ZodType<unknown> = z.json();

export const orderIntentSchema = z
  .object({
    clientOrderId: z.string().min(1),
    symbol: z.string().min(1),
    symId: z.number().int(),
    side: z.enum(["buy", "sell"]),
    type: z.enum(["market", "limit", "stop", "oco"]),
    qtyShares: finite.positive(),
    limitPriceUsd: finite.optional(),
    stopPriceUsd: finite.optional(),
    timing: z.enum(["bar_close", "next_open"]).optional(),
    purpose: z.string().min(1),
  })
  .strict();

/**
 * Ledger states. `intended` is written BEFORE the POST so a crash between POST and response is
 * detectable on restart (reconcile by client_order_id instead of posting again).
 */
export const ORDER_STATUSES = ["intended", "submitted", "acknowledged", "partially_filled", "filled", "canceled", "rejected", "expired"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(["filled", "canceled", "rejected", "expired"]);

export const orderRecordSchema = z
  .object({
    intent: orderIntentSchema,
    status: z.enum(ORDER_STATUSES),
    brokerId: z.string().nullable(),
    recordedAt: z.string(),
    submittedAt: z.string().nullable(),
    updatedAt: z.string(),
    updatedAtMs: finite,
    reason: z.string().nullable(),
  })
  .strict();

/** An order as the order manager holds it (src/orders/order.ts OrderSnapshot): what a restart compares the broker's reports with. */
export const orderSnapshotSchema = z
  .object({
    intent: orderIntentSchema,
    brokerId: z.string().nullable(),
    legs: z.array(z.object({ role: z.enum(["primary", "stop"]), brokerId: z.string().nullable(), filledQty: finite.min(0), done: z.boolean() }).strict()),
    status: z.enum(["initialized", "submitted", "accepted", "partially_filled", "filled", "pending_cancel", "canceled", "expired", "pending_replace", "replaced", "rejected"]),
    filledQty: finite.min(0),
    avgPriceUsd: finite,
    reason: z.string().nullable(),
    cancelRequested: z.boolean(),
    replacedBy: z.string().nullable(),
    fillKeys: z.array(z.string()),
    updatedMs: finite,
  })
  .strict();

export const legSchema = z
  .object({ timeMs: finite, qtyShares: finite.positive(), priceUsd: finite, reason: z.string() })
  .strict();

export const openPositionSchema = z
  .object({
    id: z.string().min(1),
    symbol: z.string().min(1),
    strategyId: z.string().min(1),
    template: z.string().nullable(),
    /** Template stage: adds taken plus targets done, as the position manager counts them. */
    stage: z.number().int().min(0),
    qtyShares: finite.min(0),
    entries: z.array(legSchema),
    exits: z.array(legSchema),
    stopUsd: finite.nullable(),
    targets: z.array(z.object({ label: z.string(), priceUsd: finite, done: z.boolean() }).strict()),
    /** The next template add and its trigger price, or null. */
    nextAdd: z.object({ index: z.number().int().min(0), priceUsd: finite }).strict().nullable(),
    /** Working orders (stop, targets) by client order id. */
    orderIds: z.array(z.string()),
    closing: z.boolean(),
  })
  .strict();

/**
 * The session the daemon is trading: a restart replays it from `startMs` through a fresh engine
 * (orders adopted by client order id, fills from the broker's activities) instead of starting over.
 */
export const runSchema = z
  .object({
    id: z.string().min(1),
    broker: z.enum(["local", "paper", "live"]),
    /** First bar time the replay of this run starts from (epoch ms). */
    startMs: finite,
    symbols: z.array(z.string().min(1)),
    /** Cash at the broker when the run started: the replay's starting cash. */
    initialCashUsd: finite,
    /** Fingerprint of the config the run was started with (a changed config is journaled on resume). */
    configHash: z.string(),
    startedAt: z.string(),
  })
  .strict();

export const dailySchema = z
  .object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), realizedPnlUsd: finite, entries: z.number().int().min(0), haltedReason: z.string().nullable() })
  .strict();

export const kellySchema = z
  .object({
    version: z.literal(1),
    window: z.number().int().positive(),
    series: z.array(
      z.object({ strategyId: z.string(), symbol: z.string(), closeTimeMs: z.array(finite), rMultiple: z.array(finite) }).strict(),
    ),
  })
  .strict();

export const stateSchema = z
  .object({
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    run: runSchema.nullable(),
    positions: z.record(z.string(), openPositionSchema),
    orders: z.record(z.string(), orderRecordSchema),
    strategyState: z.record(z.string(), jsonValue),
    kelly: kellySchema.nullable(),
    qtable: qTableFileSchema.nullable(),
    equityHighWaterUsd: finite.nullable(),
    daily: dailySchema.nullable(),
    lastBarTimeMs: z.record(z.string(), finite),
    /** Close of the last bar per symbol (what `status` marks open positions at). */
    lastPriceUsd: z.record(z.string(), finite).optional(),
    /** The order manager's orders: every working one and the newest finished ones (bounded). */
    orderSnapshots: z.array(orderSnapshotSchema).optional(),
  })
  .strict();

export type StoreState = z.infer<typeof stateSchema>;
export type OpenPosition = z.infer<typeof openPositionSchema>;
export type OrderRecord = z.infer<typeof orderRecordSchema>;
export type DailyState = z.infer<typeof dailySchema>;
export type RunRecord = z.infer<typeof runSchema>;
export type StoredOrderSnapshot = z.infer<typeof orderSnapshotSchema>;

export function emptyState(): StoreState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    run: null,
    positions: {},
    orders: {},
    strategyState: {},
    kelly: null,
    qtable: null,
    equityHighWaterUsd: null,
    daily: null,
    lastBarTimeMs: {},
  };
}

export type StateFileErrorKind = "io" | "json" | "version" | "schema";

export class StateFileError extends Error {
  constructor(
    readonly file: string,
    readonly kind: StateFileErrorKind,
    readonly detail: string,
    /** Where the bad file was moved, when it was. */
    readonly movedTo: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}${movedTo !== null ? ` (moved aside to ${movedTo})` : ""}`, options);
    this.name = "StateFileError";
  }
}


/** Text -> validated state; throws StateFileError naming the offending key. */
export function parseState(text: string, source: string): StoreState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(source, "json", `not valid JSON: ${(e as Error).message}`, null, { cause: e });
  }
  // Version first so a future file gets "unsupported version", not a list of schema differences.
  const version = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).schemaVersion : undefined;
  if (version !== STATE_SCHEMA_VERSION) {
    throw new StateFileError(source, "version", `unsupported schemaVersion ${JSON.stringify(version) ?? "undefined"} (expected ${STATE_SCHEMA_VERSION})`);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new StateFileError(source, "schema", `invalid state: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}
