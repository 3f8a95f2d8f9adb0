import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { Low } from "lowdb";
import type { Adapter } from "lowdb";
import type { OrderIntent } from "../core/types.ts";
import { BaseStateStore } from "./state-base.ts";
import type { StoreOptions } from "./state-base.ts";
import type { KellyStatsJson } from "../sizing/kelly-stats.ts";
import type { QTableFile } from "../sizing/rl/persist.ts";
import { DIR_MODE, fileStamp, removeStrayTemps, writeFileAtomic } from "../io/atomic-file.ts";
import { emptyState, parseState, StateFileError } from "./state-schema.ts";
import type { DailyState, OpenPosition, OrderRecord, OrderStatus, RunRecord, StoreState, StoredOrderSnapshot } from "./state-schema.ts";

export type { StoreOptions } from "./state-base.ts";
export { StateFileError } from "./state-schema.ts";
export type { DailyState, OpenPosition, OrderRecord, OrderStatus, RunRecord, StoreState, StoredOrderSnapshot } from "./state-schema.ts";

/**
 * The daemon's resumable state. Mutators change memory only; `commit()` puts every change made
 * so far on disk (atomically) before it resolves. Both implementations share one class body so
 * the memory twin behaves exactly like the file store, including JSON + zod on every load.
 */
export interface StateStore {
  snapshot(): StoreState;
  getPosition(id: string): OpenPosition | undefined;
  listPositions(): OpenPosition[];
  getRun(): RunRecord | null;
  setRun(run: RunRecord | null): void;
  /** Starts a new run: clears positions, the order ledger and the daily record. */
  resetRun(run: RunRecord): void;
  /** Sets every open position at once (the engine's view after a minute); a no-op when unchanged. */
  replacePositions(list: readonly OpenPosition[]): void;
  upsertPosition(p: OpenPosition): void;
  /** Removes a closed position (its history belongs in the journal). */
  closePosition(id: string): boolean;
  getOrder(clientOrderId: string): OrderRecord | undefined;
  listOrders(filter?: (o: OrderRecord) => boolean): OrderRecord[];
  /** Call BEFORE posting. Same id + same intent is a no-op (created false); a different intent throws. */
  recordIntent(clientOrderId: string, intent: OrderIntent): { created: boolean; order: OrderRecord };
  /** True only on the intended -> submitted transition, so callers journal one order_submitted. */
  markSubmitted(clientOrderId: string): boolean;
  /**
   * The three status mutators refuse what cannot be (an unknown id, a second broker id, a finished
   * order changing its end) without throwing: they return why, count it (refusedChanges) and change
   * nothing. null = applied.
   */
  markAcknowledged(clientOrderId: string, brokerId: string): string | null;
  markRejected(clientOrderId: string, reason: string): string | null;
  markOrderStatus(clientOrderId: string, status: OrderStatus, reason?: string | null): string | null;
  refusedChanges(): { count: number; recent: readonly string[] };
  getStrategyState(symbol: string): unknown;
  setStrategyState(symbol: string, value: unknown): void;
  setKelly(json: KellyStatsJson | null): void;
  setQTable(file: QTableFile | null): void;
  /** Raises the high-water mark if `equityUsd` exceeds it; returns the mark. */
  raiseEquityHighWater(equityUsd: number): number;
  setDaily(daily: DailyState | null): void;
  lastBarTime(symbol: string): number | undefined;
  /** The last bar's time and (optionally) its close, which `status` marks open positions at. */
  setLastBarTime(symbol: string, timeMs: number, closeUsd?: number): void;
  /** The order manager's orders as last saved (see stateSchema.orderSnapshots). */
  getOrderSnapshots(): StoredOrderSnapshot[];
  /** Saves the order manager's orders; a no-op when unchanged. */
  setOrderSnapshots(list: readonly StoredOrderSnapshot[]): void;
  commit(): Promise<void>;
}

/** `issue` is set when a bad file was moved aside (only with onCorrupt "reset"): journal it. */
export interface OpenResult<S> {
  store: S;
  issue: StateFileError | null;
}

/** lowdb adapter: validated reads, atomic 0600 writes (see src/io/atomic-file.ts for why not JSONFile). */
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
