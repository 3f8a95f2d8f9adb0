import type { Engine } from "../engine/engine.ts";
import type { BrokerVenue } from "../broker/port.ts";
import type { FileStateStore } from "../store/state-store.ts";
import type { BarIngest } from "./bar-ingest.ts";

/** What the state write reads of the daemon; functions, as the engine and venue are built after this. */
export interface StateSyncDeps {
  readonly store: FileStateStore;
  readonly engine: () => Engine<unknown>;
  readonly venue: () => BrokerVenue;
  readonly bars: BarIngest;
  /** The learners' state into the store and the learning file (after a trade closed). */
  readonly storeLearning: () => void;
  readonly error: (where: string, e: unknown) => void;
}

/**
 * The state file following the engine: positions, orders, the day's status, the learners after a
 * trade and the bar times `status` shows. Apart from the daemon because its job is when to write
 * (once per turn of the event loop, however many bars and fills the turn brought), not trading.
 */
export class StateSync {
  private flushQueued = false;
  /** Set when a trade closed: the learners' state goes down at the next flush. */
  learningChanged = false;
  private barTimesWrittenMs = 0;

  constructor(private readonly d: StateSyncDeps) {}

  /** Queues one sync and commit for the end of this turn of the event loop. */
  queue(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.sync();
      void this.d.store.commit().catch((e: unknown) => this.d.error("state write", e));
    });
  }

  /** The engine's state into the store (not committed). */
  sync(): void {
    const store = this.d.store;
    if (this.learningChanged) {
      this.learningChanged = false;
      this.d.storeLearning();
    }
    const e = this.d.engine();
    store.replacePositions(e.openPositions());
    store.setOrderSnapshots(this.d.venue().orders.snapshots());
    const day = e.dayStatus();
    if (day.day !== null) store.setDaily({ date: day.day, realizedPnlUsd: day.dayPnlUsd, entries: day.entriesToday, haltedReason: day.halted });
    // Bar times change every minute and matter only to `status`: they ride along with a write that
    // something else caused, or go down at most every few seconds, so a quiet minute costs no write.
    const now = Date.now();
    if (store.dirty || now - this.barTimesWrittenMs > 5000) {
      this.barTimesWrittenMs = now;
      this.d.bars.writeBarTimes(store);
    }
  }
}
