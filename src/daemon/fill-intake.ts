import type { BrokerVenue, Execution, FeedBar, TradeUpdateLike } from "../broker/port.ts";
import { executionOf, fillKey } from "../broker/executions.ts";
import type { FileStateStore } from "../store/state-store.ts";
import type { IntentLog } from "../store/intent-log.ts";
import { minuteOfTime, replayInOrder } from "./merge-replay.ts";
import { ledgerUpdate } from "./order-ledger.ts";

/** What the fill path needs of the daemon; functions, as the venue is built after this. */
export interface FillIntakeDeps {
  readonly venue: () => BrokerVenue;
  readonly intentLog: IntentLog;
  readonly store: FileStateStore;
  /** Fills the bot has applied this run, by fill key, with the bar position they came at (replaced at recovery). */
  readonly seenAt: () => Map<string, number>;
  readonly nowMs: () => number;
  readonly position: () => number;
  /** Fills applied from the order stream (not the start-up replay). */
  readonly addLiveFills: (n: number) => void;
  readonly error: (where: string, e: unknown) => void;
  readonly afterActivity: () => void;
}

/**
 * Order updates and fills on their way into the venue, each fill's bar position written ahead
 * (intent log) before it is applied. Apart from the daemon because it is what makes a restart
 * apply a fill at the same place in the bar sequence as the killed process did: the order stream,
 * a reconnect's fetched fills and the start-up replay all come through here.
 */
export class FillIntake {
  constructor(private readonly d: FillIntakeDeps) {}

  /** One update of the order stream: a fill noted and applied, the order ledger updated. */
  onUpdate(u: TradeUpdateLike): void {
    const venue = this.d.venue();
    try {
      if (u.event === "fill" || u.event === "partial_fill") this.noteFillSeen(executionOf(u, this.d.nowMs()));
      const before = venue.fillsSeen;
      venue.onTradeUpdate(u);
      this.d.addLiveFills(venue.fillsSeen - before);
      this.recordUpdate(u);
    } catch (e) {
      this.d.error(`trade update ${u.event} for ${u.order.clientOrderId ?? u.order.id ?? "?"}`, e);
    }
    this.d.afterActivity();
  }

  /** The order ledger follows the stream (an OCO's stop leg reports under its own id). */
  recordUpdate(u: TradeUpdateLike): void {
    ledgerUpdate(this.d.store, (u.order.id !== undefined ? this.d.venue().clientIdOf(u.order.id) : undefined) ?? u.order.clientOrderId, u);
  }

  /** Bars and fills interleaved in broker order (see replayInOrder); returns fills no order of the engine explains. */
  merge(bars: readonly FeedBar[], execs: readonly Execution[], bar: (b: FeedBar) => void, timeOf?: (b: FeedBar) => number): Execution[] {
    return replayInOrder(
      bars,
      execs,
      minuteOfTime,
      {
        canApply: (x) => this.d.venue().knowsOrderOf(x),
        apply: (x) => this.applyExecution(x),
        bar,
        position: () => this.d.position(),
      },
      (x) => this.d.seenAt().get(fillKey(x)),
      timeOf,
    );
  }

  /**
   * Write-ahead: where in the bar sequence a fill reached the engine, before it does. Fills the
   * venue already has are duplicates (stream and activities both report them) and change nothing.
   */
  private noteFillSeen(x: Execution): void {
    const key = fillKey(x);
    const seen = this.d.seenAt();
    if (seen.has(key) || this.d.venue().hasApplied(x)) return;
    const at = this.d.position();
    seen.set(key, at);
    this.d.intentLog.appendFillSeen(key, at);
  }

  private applyExecution(x: Execution): void {
    this.noteFillSeen(x);
    try {
      this.d.venue().applyExecution(x);
    } catch (e) {
      this.d.error(`fill ${x.executionId}`, e);
    }
  }
}
