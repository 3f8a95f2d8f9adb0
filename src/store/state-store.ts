import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { Low } from "lowdb";
import type { Adapter } from "lowdb";
import type { OrderIntent } from "../core/types.ts";
import type { KellyStatsJson } from "../sizing/kelly-stats.ts";
import type { QTableFile } from "../sizing/rl/persist.ts";
import { DIR_MODE, fileStamp, removeStrayTemps, writeFileAtomic } from "./atomic-file.ts";
import { emptyState, orderIntentSchema, parseState, StateFileError, TERMINAL_STATUSES } from "./state-schema.ts";
import type { DailyState, OpenPosition, OrderRecord, OrderStatus, StoreState } from "./state-schema.ts";

export { StateFileError } from "./state-schema.ts";
export type { DailyState, OpenPosition, OrderRecord, OrderStatus, StoreState } from "./state-schema.ts";

/**
 * The daemon's resumable state. Mutators change memory only; `commit()` puts every change made
 * so far on disk (atomically) before it resolves. Both implementations share one class body so
 * the memory twin behaves exactly like the file store, including JSON + zod on every load.
 */
export interface StateStore {
  snapshot(): StoreState;
  getPosition(id: string): OpenPosition | undefined;
  listPositions(): OpenPosition[];
  upsertPosition(p: OpenPosition): void;
  /** Removes a closed position (its history belongs in the journal). */
  closePosition(id: string): boolean;
  getOrder(clientOrderId: string): OrderRecord | undefined;
  listOrders(filter?: (o: OrderRecord) => boolean): OrderRecord[];
  /** Call BEFORE posting. Same id + same intent is a no-op (created false); a different intent throws. */
  recordIntent(clientOrderId: string, intent: OrderIntent): { created: boolean; order: OrderRecord };
  /** True only on the intended -> submitted transition, so callers journal one order_submitted. */
  markSubmitted(clientOrderId: string): boolean;
  markAcknowledged(clientOrderId: string, brokerId: string): void;
  markRejected(clientOrderId: string, reason: string): void;
  markOrderStatus(clientOrderId: string, status: OrderStatus, reason?: string | null): void;
  getStrategyState(symbol: string): unknown;
  setStrategyState(symbol: string, value: unknown): void;
  setKelly(json: KellyStatsJson | null): void;
  setQTable(file: QTableFile | null): void;
  /** Raises the high-water mark if `equityUsd` exceeds it; returns the mark. */
  raiseEquityHighWater(equityUsd: number): number;
  setDaily(daily: DailyState | null): void;
  lastBarTime(symbol: string): number | undefined;
  setLastBarTime(symbol: string, timeMs: number): void;
  commit(): Promise<void>;
}

export interface StoreOptions {
  /** "fail" (default): throw StateFileError and leave the file alone. "reset": move it aside and start empty. */
  onCorrupt?: "fail" | "reset";
  now?: () => number;
  /** Finished orders kept for late broker updates; older ones are pruned on commit. */
  maxTerminalOrders?: number;
}

/** `issue` is set when a bad file was moved aside (only with onCorrupt "reset"): journal it. */
export interface OpenResult<S> {
  store: S;
  issue: StateFileError | null;
}

const DEFAULT_MAX_TERMINAL = 200;

abstract class BaseStateStore implements StateStore {
  protected dirty = false;
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

  markAcknowledged(clientOrderId: string, brokerId: string): void {
    const o = this.order(clientOrderId);
    if (o.brokerId !== null && o.brokerId !== brokerId) throw new Error(`${clientOrderId}: broker id ${brokerId} conflicts with ${o.brokerId}`);
    o.brokerId = brokerId;
    // An ack may arrive for an order whose markSubmitted was lost in a crash; later states stay.
    if (o.status === "intended" || o.status === "submitted") {
      if (o.submittedAt === null) o.submittedAt = new Date(this.now()).toISOString();
      o.status = "acknowledged";
    }
    this.touch(o);
  }

  markRejected(clientOrderId: string, reason: string): void {
    this.markOrderStatus(clientOrderId, "rejected", reason);
  }

  markOrderStatus(clientOrderId: string, status: OrderStatus, reason: string | null = null): void {
    const o = this.order(clientOrderId);
    if (TERMINAL_STATUSES.has(o.status) && o.status !== status) throw new Error(`${clientOrderId}: already ${o.status}, cannot become ${status}`);
    o.status = status;
    o.reason = reason;
    this.touch(o);
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
    this.data.daily = daily === null ? null : { ...daily };
    this.dirty = true;
  }

  lastBarTime(symbol: string): number | undefined {
    return this.data.lastBarTimeMs[symbol];
  }

  setLastBarTime(symbol: string, timeMs: number): void {
    this.data.lastBarTimeMs[symbol] = timeMs;
    this.dirty = true;
  }

  /** Keeps only the newest `maxTerminal` finished orders; working ones are never pruned. */
  private prune(): void {
    const done = Object.entries(this.data.orders).filter(([, o]) => TERMINAL_STATUSES.has(o.status));
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

/** lowdb adapter: validated reads, atomic 0600 writes (see atomic-file.ts for why not JSONFile). */
class AtomicStateFile implements Adapter<StoreState> {
  constructor(readonly file: string) {}

  async read(): Promise<StoreState | null> {
    if (!existsSync(this.file)) return null;
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (e) {
      throw new StateFileError(this.file, "io", `cannot read: ${(e as Error).message}`, null, { cause: e });
    }
    return parseState(text, this.file);
  }

  async write(data: StoreState): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(data)}\n`);
  }

  async writeText(text: string): Promise<void> {
    await writeFileAtomic(this.file, text);
  }
}

export class FileStateStore extends BaseStateStore {
  private constructor(
    private readonly db: Low<StoreState>,
    private readonly adapter: AtomicStateFile,
    opts: StoreOptions,
  ) {
    super(db.data, opts);
  }

  get file(): string {
    return this.adapter.file;
  }

  static async open(stateDir: string, opts: StoreOptions = {}): Promise<OpenResult<FileStateStore>> {
    mkdirSync(stateDir, { recursive: true, mode: DIR_MODE });
    const file = join(stateDir, "state.json");
    removeStrayTemps(file);
    const adapter = new AtomicStateFile(file);
    const db = new Low<StoreState>(adapter, emptyState());
    let issue: StateFileError | null = null;
    try {
      await db.read();
    } catch (e) {
      if (!(e instanceof StateFileError) || e.kind === "io") throw e;
      // Leaving the file in place on "fail" means a restart fails the same way instead of
      // silently starting empty: only an explicit reset moves it aside.
      if ((opts.onCorrupt ?? "fail") === "fail") throw e;
      const movedTo = `${file}.corrupt-${fileStamp((opts.now ?? Date.now)())}`;
      renameSync(file, movedTo);
      issue = new StateFileError(file, e.kind, e.detail, movedTo, { cause: e });
      db.data = emptyState();
    }
    return { store: new FileStateStore(db, adapter, opts), issue };
  }

  protected async persist(text: string): Promise<void> {
    // db.data is the live state object; the adapter writes the pre-serialized commit snapshot.
    await this.adapter.writeText(text);
  }
}

/** The in-memory twin: the "file" is a string, so loads go through the same JSON + zod path. */
export class MemoryStateStore extends BaseStateStore {
  /** What a FileStateStore would have on disk. */
  text: string | null;
  /** Bad texts moved aside by an "reset" open. */
  readonly corrupt: string[] = [];

  private constructor(data: StoreState, text: string | null, opts: StoreOptions) {
    super(data, opts);
    this.text = text;
  }

  static open(text: string | null = null, opts: StoreOptions = {}): OpenResult<MemoryStateStore> {
    if (text === null) return { store: new MemoryStateStore(emptyState(), null, opts), issue: null };
    try {
      return { store: new MemoryStateStore(parseState(text, "memory:state.json"), text, opts), issue: null };
    } catch (e) {
      if (!(e instanceof StateFileError) || (opts.onCorrupt ?? "fail") === "fail") throw e;
      const movedTo = `memory:state.json.corrupt-${fileStamp((opts.now ?? Date.now)())}`;
      const store = new MemoryStateStore(emptyState(), null, opts);
      store.corrupt.push(text);
      return { store, issue: new StateFileError("memory:state.json", e.kind, e.detail, movedTo, { cause: e }) };
    }
  }

  protected async persist(text: string): Promise<void> {
    this.text = text;
  }
}
