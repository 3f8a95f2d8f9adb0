import type { Engine } from "../engine/engine.ts";
import type { LearningState } from "../engine/learning.ts";
import type { BrokerVenue, Execution, FeedBar, TradeUpdateLike } from "../broker/port.ts";
import type { RegimeClassifier } from "../sizing/regime-port.ts";
import type { PipelineSizer, SizingMode } from "../sizing/pipeline.ts";
import type { FileStateStore, RunRecord } from "../store/state-store.ts";
import type { IntentLog } from "../store/intent-log.ts";
import type { DedupingJournal } from "./journal-dedupe.ts";
import type { KillSwitch } from "./kill-switch.ts";
import type { DaemonOptions } from "./daemon-options.ts";
import type { DailyBars } from "./daily-bars.ts";
import type { StreamInput } from "./stream-input.ts";

/**
 * What the start-up (daemon-startup.ts) reads and sets of the daemon: its options, stores and
 * engine, and the few fields a restart's replay rebuilds. The Daemon is the only implementation.
 */
export interface StartupHost {
  readonly o: DaemonOptions;
  readonly store: FileStateStore;
  readonly intentLog: IntentLog;
  readonly journal: DedupingJournal;
  readonly engine: Engine<unknown>;
  readonly venue: BrokerVenue;
  readonly killSwitch: KillSwitch;
  readonly learning: LearningState;
  /** The ids of the strategies this daemon runs (its client order ids start with one of them). */
  readonly strategyIds: readonly string[];
  readonly heldUpdates: readonly TradeUpdateLike[];
  readonly daily: DailyBars;
  /** Checks bars fetched over REST (a refused one is counted and skipped). */
  readonly input: StreamInput;
  /** 1Day bars the daily strategies warm up on before the run's first session (the largest of their warmupBars). */
  readonly dailyWarmupBars: number;
  run: RunRecord | null;
  warmedUpBars: number;
  resumed: boolean;
  regime: RegimeClassifier;
  sizer: PipelineSizer;
  /** During the replay: the end of the bar being replayed (the journal's and the venue's "now"). */
  replayMs: number | null;
  fillsSeenAt: Map<string, number>;
  refusedAt: Map<string, number>;
  nowMs(): number;
  today(): string;
  barPosition(): number;
  sizerFor(mode: SizingMode): PipelineSizer;
  setSizingMode(mode: SizingMode, source: string): boolean;
  saveLearning(): void;
  afterActivity(): void;
  historyBars(fromMs: number): Promise<FeedBar[]>;
  historyDailyBars(fromMs: number): Promise<FeedBar[]>;
  ingestBar(b: FeedBar): boolean;
  replayDaily(b: FeedBar): void;
  merge(bars: readonly FeedBar[], execs: readonly Execution[], bar: (b: FeedBar) => void, timeOf?: (b: FeedBar) => number): Execution[];
}
