import type { OrderIntent } from "../core/types.ts";
import type { KellyStatsJson } from "../sizing/kelly-stats.ts";
import type { QTableFile } from "../sizing/rl/persist.ts";
import { orderIntentSchema, TERMINAL_STATUSES } from "./state-schema.ts";
import type { DailyState, OpenPosition, OrderRecord, OrderStatus, RunRecord, StoreState, StoredOrderSnapshot } from "./state-schema.ts";
import type { StateStore } from "./state-store.ts";

/**
 * The behaviour both state stores share; subclasses only decide where committed text goes, so
 * the memory twin cannot drift from the file store.
 */

export interface StoreOptions {
  /** "fail" (default): throw StateFileError and leave the file alone. "reset": move it aside and start empty. */
  onCorrupt?: "fail" | "reset";
  now?: () => number;
  /** Finished orders kept for late broker updates; older ones are pruned on commit. */
  maxTerminalOrders?: number;
}

const DEFAULT_MAX_TERMINAL = 16;

export abstract class BaseStateStore implements StateStore {
  /** Changes not yet committed (callers may skip cheap updates when nothing else is pending). */
  dirty = false;
  /** Status changes refused since the store opened (see refusedChanges). */
  private readonly refused: string[] = [];
  private refusedCount = 0;
  private chain: Promise<void> = Promise.resolve();
  protected readonly now: () => number;
  private readonly maxTerminal: number;

  protected constructor(
    protected data: StoreState,
    opts: StoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.maxTerminal = opts.maxTerminalOrders ?? DEFAULT_MAX_TERMINAL;
  }

  /** Writes `text` durably; calls are serialized by `commit`. */
  protected abstract persist(text: string): Promise<void>;

  snapshot(): StoreState {
    return structuredClone(this.data);
  }

  getPosition(id: string): OpenPosition | undefined {
    const p = this.data.positions[id];
    return p === undefined ? undefined : structuredClone(p);
  }

  listPositions(): OpenPosition[] {
    return Object.values(this.data.positions).map((p) => structuredClone(p));
  }

  getRun(): RunRecord | null {
    return this.data.run === null ? null : structuredClone(this.data.run);
  }

  setRun(run: RunRecord | null): void {
    this.data.run = run === null ? null : structuredClone(run);
    this.dirty = true;
  }

  replacePositions(list: readonly OpenPosition[]): void {
    const next: Record<string, OpenPosition> = {};
    for (const p of list) next[p.id] = structuredClone(p);
    // Unchanged positions do not make the state dirty: the daemon calls this after every minute.
    if (JSON.stringify(next) === JSON.stringify(this.data.positions)) return;
    this.data.positions = next;
    this.dirty = true;
  }

  /** Starts a new run: positions, the order ledger and the daily record belong to the old one. */
  resetRun(run: RunRecord): void {
    this.data.run = structuredClone(run);
    this.data.positions = {};
    this.data.orders = {};
    this.data.daily = null;
    this.data.lastBarTimeMs = {};
    this.data.lastPriceUsd = {};
    this.data.orderSnapshots = [];
    this.dirty = true;
  }

  getOrderSnapshots(): StoredOrderSnapshot[] {
    return structuredClone(this.data.orderSnapshots ?? []);
  }

  setOrderSnapshots(list: readonly StoredOrderSnapshot[]): void {
    // Unchanged orders do not make the state dirty: the daemon calls this after every activity.
    if (JSON.stringify(list) === JSON.stringify(this.data.orderSnapshots ?? [])) return;
    this.data.orderSnapshots = structuredClone([...list]);
    this.dirty = true;
  }

  upsertPosition(p: OpenPosition): void {
    this.data.positions[p.id] = structuredClone(p);
    this.dirty = true;
  }

  closePosition(id: string): boolean {
    if (this.data.positions[id] === undefined) return false;
    delete this.data.positions[id];
    this.dirty = true;
    return true;
  }

  getOrder(clientOrderId: string): OrderRecord | undefined {
    const o = this.data.orders[clientOrderId];
    return o === undefined ? undefined : structuredClone(o);
  }

  listOrders(filter?: (o: OrderRecord) => boolean): OrderRecord[] {
    const all = Object.values(this.data.orders).map((o) => structuredClone(o));
    return filter === undefined ? all : all.filter(filter);
  }

  recordIntent(clientOrderId: string, intent: OrderIntent): { created: boolean; order: OrderRecord } {
    if (intent.clientOrderId !== clientOrderId) throw new Error(`recordIntent: id ${clientOrderId} differs from intent.clientOrderId ${intent.clientOrderId}`);
    // Validate now, not at the next load: a bad intent must not poison the state file.
    const parsed = orderIntentSchema.parse(intent);
    const existing = this.data.orders[clientOrderId];
    if (existing !== undefined) {
      if (JSON.stringify(existing.intent) !== JSON.stringify(parsed)) throw new Error(`recordIntent: ${clientOrderId} already recorded with a different intent`);
      return { created: false, order: structuredClone(existing) };
    }
    const ms = this.now();
    const iso = new Date(ms).toISOString();
    const order: OrderRecord = { intent: parsed, status: "intended", brokerId: null, recordedAt: iso, submittedAt: null, updatedAt: iso, updatedAtMs: ms, reason: null };
    this.data.orders[clientOrderId] = order;
    this.dirty = true;
    return { created: true, order: structuredClone(order) };
  }

  private order(clientOrderId: string): OrderRecord {
    const o = this.data.orders[clientOrderId];
    if (o === undefined) throw new Error(`unknown client order id ${clientOrderId} (recordIntent first)`);
    return o;
  }

  private touch(o: OrderRecord): void {
    const ms = this.now();
    o.updatedAtMs = ms;
    o.updatedAt = new Date(ms).toISOString();
    this.dirty = true;
  }

  markSubmitted(clientOrderId: string): boolean {
    const o = this.order(clientOrderId);
    if (o.status !== "intended") return false;
    o.status = "submitted";
    o.submittedAt = new Date(this.now()).toISOString();
    this.touch(o);
    return true;
  }

  markAcknowledged(clientOrderId: string, brokerId: string): string | null {
    const o = this.data.orders[clientOrderId];
    if (o === undefined) return this.refuse(`${clientOrderId}: acknowledged as ${brokerId} but never recorded (recordIntent first)`);
    // Two broker ids for one client id: the first stays; the second is the broker's mistake or ours, not a reason to stop.
    if (o.brokerId !== null && o.brokerId !== brokerId) return this.refuse(`${clientOrderId}: broker id ${brokerId} conflicts with ${o.brokerId}; kept ${o.brokerId}`);
    o.brokerId = brokerId;
    // An ack may arrive for an order whose markSubmitted was lost in a crash; later states stay.
    if (o.status === "intended" || o.status === "submitted") {
      if (o.submittedAt === null) o.submittedAt = new Date(this.now()).toISOString();
      o.status = "acknowledged";
    }
    this.touch(o);
    return null;
  }

  markRejected(clientOrderId: string, reason: string): string | null {
    return this.markOrderStatus(clientOrderId, "rejected", reason);
  }

  markOrderStatus(clientOrderId: string, status: OrderStatus, reason: string | null = null): string | null {
    const o = this.data.orders[clientOrderId];
    if (o === undefined) return this.refuse(`${clientOrderId}: status ${status} for an order never recorded`);
    // A finished order stays finished: a late or impossible report (a fill, then "rejected") is
    // refused and counted, never applied and never fatal (the broker's own record is read at reconcile).
    if (TERMINAL_STATUSES.has(o.status) && o.status !== status) return this.refuse(`${clientOrderId}: already ${o.status}, cannot become ${status}`);
    o.status = status;
    o.reason = reason;
    this.touch(o);
    return null;
  }

  /** How many order-status changes were refused, and the last few reasons (newest last). */
  refusedChanges(): { count: number; recent: readonly string[] } {
    return { count: this.refusedCount, recent: this.refused };
  }

  private refuse(reason: string): string {
    this.refusedCount++;
    this.refused.push(reason);
    if (this.refused.length > 20) this.refused.shift();
    return reason;
  }

  getStrategyState(symbol: string): unknown {
    const v = this.data.strategyState[symbol];
    return v === undefined ? undefined : structuredClone(v);
  }

  setStrategyState(symbol: string, value: unknown): void {
    // Round-trip through JSON so what is kept is exactly what a reload would see.
    this.data.strategyState[symbol] = JSON.parse(JSON.stringify(value ?? null)) as unknown;
    this.dirty = true;
  }

  setKelly(json: KellyStatsJson | null): void {
    this.data.kelly = json === null ? null : (JSON.parse(JSON.stringify(json)) as StoreState["kelly"]);
    this.dirty = true;
  }

  setQTable(file: QTableFile | null): void {
    this.data.qtable = file === null ? null : structuredClone(file);
    this.dirty = true;
  }

  raiseEquityHighWater(equityUsd: number): number {
    if (!Number.isFinite(equityUsd)) throw new Error(`equity ${equityUsd} is not finite`);
    const hwm = this.data.equityHighWaterUsd;
    if (hwm === null || equityUsd > hwm) {
      this.data.equityHighWaterUsd = equityUsd;
      this.dirty = true;
    }
    return this.data.equityHighWaterUsd ?? equityUsd;
  }

  setDaily(daily: DailyState | null): void {
    if (JSON.stringify(daily) === JSON.stringify(this.data.daily)) return;
    this.data.daily = daily === null ? null : { ...daily };
    this.dirty = true;
  }

  lastBarTime(symbol: string): number | undefined {
    return this.data.lastBarTimeMs[symbol];
  }

  setLastBarTime(symbol: string, timeMs: number, closeUsd?: number): void {
    if (closeUsd !== undefined && Number.isFinite(closeUsd)) (this.data.lastPriceUsd ??= {})[symbol] = closeUsd;
    if (this.data.lastBarTimeMs[symbol] === timeMs) return;
    this.data.lastBarTimeMs[symbol] = timeMs;
    this.dirty = true;
  }

  /**
   * Bounds the ledger: a finished order no open position refers to is history (the journal has
   * it), so only the newest `maxTerminal` of those stay, to recognise a late broker update.
   * Working orders and orders of open positions are never pruned.
   */
  private prune(): void {
    const referenced = new Set(Object.values(this.data.positions).flatMap((p) => p.orderIds));
    const done = Object.entries(this.data.orders).filter(([id, o]) => TERMINAL_STATUSES.has(o.status) && !referenced.has(id));
    if (done.length <= this.maxTerminal) return;
    done.sort((a, b) => b[1].updatedAtMs - a[1].updatedAtMs);
    for (const [id] of done.slice(this.maxTerminal)) delete this.data.orders[id];
  }

  commit(): Promise<void> {
    if (!this.dirty) return this.chain;
    this.dirty = false;
    this.prune();
    // Serialize now: the write reflects every change made before this call, even if an earlier
    // write is still in flight. Chaining keeps renames in commit order.
    const text = `${JSON.stringify(this.data)}\n`;
    const next = this.chain.catch(() => undefined).then(() => this.persist(text));
    this.chain = next;
    next.catch(() => {
      // A failed write leaves the change unsaved: mark dirty so the next commit retries it.
      this.dirty = true;
    });
    return next;
  }
}

