import type { SizingConfig } from "../config/schema.ts";
import type { LearningState } from "../engine/learning.ts";
import { createSizer, type PipelineSizer, type SizingMode } from "../sizing/pipeline.ts";
import { serializeQTable } from "../sizing/rl/persist.ts";
import type { FileStateStore, RunRecord } from "../store/state-store.ts";
import type { IntentLog } from "../store/intent-log.ts";
import type { DaemonOptions } from "./daemon-options.ts";
import type { DedupingJournal } from "./journal-dedupe.ts";
import { LATEST_FILE, toLearningFile, writeLearningFile } from "./learning-checkpoint.ts";

/**
 * The daemon's sizing over a run: which mode sizes the next decision, a switch of it while running
 * (and its write-ahead record, so a restart switches at the same bar), and what the learners have
 * learned, kept for the next run. Apart from daemon.ts because none of it touches bars or orders.
 */

/** What switching the sizer and saving the learning read and set of the daemon. */
export interface SizingHost {
  readonly o: DaemonOptions;
  readonly journal: DedupingJournal;
  readonly intentLog: IntentLog;
  readonly store: FileStateStore;
  readonly learning: LearningState;
  sizer: PipelineSizer;
  readonly replayMs: number | null;
  readonly run: RunRecord | null;
  nowMs(): number;
  today(): string;
  barPosition(): number;
}

/** A sizer for `mode` under `sizing` (the run's config, or an edited file's own section). */
export function sizerFor(o: DaemonOptions, mode: SizingMode, sizing: SizingConfig = o.config.sizing): PipelineSizer {
  return createSizer({ sizing: { ...sizing, mode }, risk: o.config.risk });
}

/**
 * Switches the sizing mode from the next decision on (the config file changed while running);
 * journaled as config_changed. Learners a mode needs that this run did not start (the RL table)
 * answer neutral until the next start. Returns false when the mode is already in force.
 */
export function switchSizingMode(h: SizingHost, mode: SizingMode, source: string, sizing: SizingConfig): boolean {
  const from = h.sizer.mode;
  if (mode === from) return false;
  let next: PipelineSizer;
  try {
    // The edited file's own sizing section: a mode it just defined (sizing.modes) is known there.
    next = sizerFor(h.o, mode, sizing);
  } catch (e) {
    h.journal.append(h.today(), "error", { message: `sizing mode ${mode} not applied: ${(e as Error).message}` });
    h.o.log.warn({ mode, source }, `sizing mode not applied: ${(e as Error).message}`);
    return false;
  }
  h.sizer = next;
  // Live (not during a restart's replay): a restart must switch at the same point.
  if (h.replayMs === null && h.run !== null) h.intentLog.appendModeSwitch(from, mode, h.barPosition());
  h.journal.append(h.today(), "config_changed", { key: "sizing.mode", from, to: mode, applied: true, source });
  h.o.log.info({ from, to: mode, source }, "sizing mode switched");
  return true;
}

/** The latest learning, for the next run. Not during the start-up replay: it ends where the last write left off. */
export function saveLearning(h: SizingHost, error: (where: string, e: unknown) => void): void {
  if (h.replayMs !== null || h.run === null) return;
  try {
    writeLearningFile(h.o.stateDir, LATEST_FILE, toLearningFile(h.run.id, h.learning.fitted(), h.nowMs()));
  } catch (e) {
    error("saving learning", e);
  }
}

/** A trade closed and its learners took it: their state into the store and the learning file. */
export function storeLearning(h: SizingHost, error: (where: string, e: unknown) => void): void {
  h.store.setKelly(h.learning.kelly.toJSON());
  if (h.learning.rl !== null) h.store.setQTable(serializeQTable(h.learning.rl.table));
  saveLearning(h, error);
}
