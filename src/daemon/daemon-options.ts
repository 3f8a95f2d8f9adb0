import type { AlertSink } from "../notify/engine-hooks.ts";
import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import type { OrderIntent } from "../core/types.ts";
import type { StrategySlot } from "../core/strategy.ts";
import type { BrokerPort } from "../broker/port.ts";

export type BrokerKind = "local" | "paper" | "live";

export interface DaemonOptions {
  /** Where alerts go (fills, exits, halts, errors, reconcile differences, the day's summary); none = no alerts. */
  readonly alerts?: AlertSink;
  readonly config: Config;
  readonly symbols: readonly string[];
  /**
   * Symbols (among `symbols`) of the 1Day strategies: the daemon subscribes their daily bars
   * (`d`) and hands each session's final bar to the engine after the close. Until the slots
   * (buildSlots) are wired in, the caller lists them; default none.
   */
  readonly dailySymbols?: readonly string[];
  /** The strategies and their symbols (default: buildSlots(config, symbols), --strategy-file ones included by the CLI). */
  readonly slots?: readonly StrategySlot[];
  readonly stateDir: string;
  readonly log: Logger;
  /** The broker, through its adapter (src/adapters/<broker>/): everything the daemon asks of it. */
  readonly port: BrokerPort;
  /** Stream endpoints; undefined = the SDK's Alpaca defaults. */
  readonly stocksUrl?: string;
  readonly tradingUrl?: string;
  readonly broker: BrokerKind;
  /** The broker's time: the replay clock on the local exchange, the wall clock on Alpaca. */
  readonly clock: Clock;
  /** Values that must never reach the journal or the state (the API key pair). */
  readonly secrets: readonly string[];
  /** Where a new run's replay starts (its first bar, or the warm-up start before today's open). */
  readonly newRunStartMs: number;
  /** False abandons a run the state holds (e.g. the local exchange started a fresh replay). */
  readonly resume: boolean;
  /** Jobs on the wall clock with node-cron (Alpaca). Otherwise they fire on the replay clock, as bars pass them. */
  readonly liveSchedule?: boolean;
  /** The session calendar is fetched up to here (a replay's last bar; default 30 days ahead). */
  readonly calendarUntilMs?: number;
  /** Fault injection for tests: runs after the write-ahead intent line, before the POST. */
  readonly hooks?: {
    readonly afterIntentLogged?: (intent: OrderIntent) => void;
    /** A bar came off the stocks stream (the latency benchmark's start point). */
    readonly barReceived?: () => void;
  };
  /** Post retry pacing after an ambiguous failure (tests shorten it). */
  readonly retryDelayMs?: number;
}

/** What a restart's replay found and did; journaled as one `reconcile` event. */
export interface RecoveryReport {
  readonly resumed: boolean;
  readonly replayedBars: number;
  readonly appliedFills: number;
  readonly adoptedOrders: number;
  readonly posted: readonly string[];
  readonly canceled: readonly string[];
  readonly missedEntries: number;
  readonly journalEventsAdded: number;
  readonly flags: readonly string[];
}
