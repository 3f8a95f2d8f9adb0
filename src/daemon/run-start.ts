import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import type { LearningState } from "../engine/learning.ts";
import { createRegimeClassifier } from "../regime/classifier.ts";
import type { RegimeClassifier } from "../sizing/regime-port.ts";
import type { JournalSink } from "../store/journal.ts";
import { LATEST_FILE, readStartingLearning, RUN_START_FILE, toLearningFile, writeLearningFile } from "./learning-checkpoint.ts";
import { chooseRunModel } from "./run-regime-model.ts";

export interface RunStartDeps {
  readonly stateDir: string;
  readonly config: Config;
  readonly learning: LearningState;
  readonly journal: JournalSink;
  readonly log: Logger;
  readonly today: () => string;
  readonly nowMs: () => number;
}

/**
 * What a run starts from besides the broker: the learners' state and the regime model, each
 * fixed for the run so a resumed run replays the same decisions. A resumed run reads its own
 * starting points back; a new run starts from the latest learning and the configured model and
 * records both as its starting points. Both are journaled. Returns the run's classifier.
 */
export function beginRun(d: RunStartDeps, runId: string, resumed: boolean): RegimeClassifier {
  const learned = readStartingLearning(d.stateDir, d.config, resumed ? RUN_START_FILE : LATEST_FILE, resumed ? runId : null);
  d.learning.restore(learned.fitted);
  d.journal.append(d.today(), "reconcile", { kind: "learning", ...learned.summary });
  for (const x of learned.summary.dropped) d.log.warn({ dropped: x }, "learning checkpoint");
  if (!resumed) writeLearningFile(d.stateDir, RUN_START_FILE, toLearningFile(runId, learned.fitted ?? d.learning.fitted(), d.nowMs()));

  const { model, note } = chooseRunModel(d.stateDir, d.config, resumed);
  d.journal.append(d.today(), "reconcile", { kind: "regime_model", model: model === null ? null : { features: model.features, trainedThrough: new Date(model.training.toMs).toISOString() }, note });
  if (model === null) d.log.info({ note }, "regime model");
  return createRegimeClassifier(model, d.config);
}
