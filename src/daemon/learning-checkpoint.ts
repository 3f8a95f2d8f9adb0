import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Config } from "../config/schema.ts";
import type { FittedLearning } from "../engine/learning.ts";
import { writeFileAtomicSync } from "../io/atomic-file.ts";
import { KellyStatsStore } from "../sizing/kelly-stats.ts";
import { ENTRY_FEATURES } from "../sizing/entry-features.ts";
import { trainConfidenceModel } from "../sizing/logistic.ts";
import { parseQTable, qTableFileSchema, serializeQTable } from "../sizing/rl/persist.ts";
import { kellySchema } from "../store/state-schema.ts";

/**
 * What the sizing layers have learned (Kelly statistics, the confidence model's samples, the
 * Q-table) outlives a run. A paper bot runs day after day; a new run (a new broker session, or a
 * run too old to replay) must not start from nothing.
 *
 *   learning.json      the latest learning, rewritten when a trade closes
 *   run-learning.json  the learning the current run started from
 *
 * A resumed run replays from its start, so it starts the replay from run-learning.json and
 * arrives at the same learning the killed process had. Both files are bounded: Kelly keeps its
 * window, the samples their last MAX_SAMPLES, the Q-table its fixed state space.
 */

export const MAX_SAMPLES = 1000;

const fileSchema = z
  .object({
    format: z.literal("sizewise.learning"),
    version: z.literal(1),
    runId: z.string(),
    savedAt: z.string(),
    kelly: kellySchema,
    featureNames: z.array(z.string()),
    samples: z.array(z.object({ features: z.array(z.number().nullable()), win: z.boolean() }).strict()),
    qTable: qTableFileSchema.nullable(),
  })
  .strict();

export type LearningFile = z.infer<typeof fileSchema>;

export const LATEST_FILE = "learning.json";
export const RUN_START_FILE = "run-learning.json";

export function toLearningFile(runId: string, f: FittedLearning, savedAtMs: number): LearningFile {
  return {
    format: "sizewise.learning",
    version: 1,
    runId,
    savedAt: new Date(savedAtMs).toISOString(),
    kelly: JSON.parse(JSON.stringify(f.kelly)) as LearningFile["kelly"],
    featureNames: [...ENTRY_FEATURES],
    // JSON has no NaN: a missing feature travels as null and comes back as NaN.
    samples: f.samples.slice(-MAX_SAMPLES).map((s) => ({ features: Array.from(s.features, (v) => (Number.isFinite(v) ? v : null)), win: s.win })),
    qTable: f.qTable === null ? null : serializeQTable(f.qTable),
  };
}

/**
 * The learning to start from, fitted for this config. Samples of another feature list are
 * dropped (their columns would mean other things); a Q-table the config cannot use is dropped
 * too. Each drop is reported, never silent.
 */
export function fromLearningFile(file: LearningFile, config: Config): { fitted: FittedLearning; dropped: string[] } {
  const dropped: string[] = [];
  const sameFeatures = JSON.stringify(file.featureNames) === JSON.stringify(ENTRY_FEATURES);
  if (!sameFeatures) dropped.push(`confidence samples (${file.samples.length}): recorded for features ${file.featureNames.join(",")}`);
  const samples = sameFeatures ? file.samples.map((s) => ({ features: s.features.map((v) => v ?? NaN), win: s.win })) : [];
  let qTable: FittedLearning["qTable"] = null;
  if (file.qTable !== null) {
    try {
      qTable = parseQTable(file.qTable, "learning checkpoint");
    } catch (e) {
      dropped.push(`Q-table: ${(e as Error).message}`);
    }
  }
  const c = config.sizing.confidence;
  const kelly = KellyStatsStore.fromJSON(file.kelly, config.sizing.kelly.window).toJSON();
  const confidenceModel = samples.length >= c.minSamples ? trainConfidenceModel(samples, { featureNames: ENTRY_FEATURES, l2: c.l2 }) : null;
  return { fitted: { kelly, samples, confidenceModel, qTable }, dropped };
}

/** The file, or null with why when it is absent or unusable (a bad checkpoint must not stop the bot). */
export function readLearningFile(stateDir: string, name: string): { file: LearningFile | null; problem: string | null } {
  const path = join(stateDir, name);
  if (!existsSync(path)) return { file: null, problem: null };
  try {
    return { file: fileSchema.parse(JSON.parse(readFileSync(path, "utf8"))), problem: null };
  } catch (e) {
    const why = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).slice(0, 3).join("; ") : (e as Error).message;
    return { file: null, problem: `${path}: ${why}` };
  }
}

export function writeLearningFile(stateDir: string, name: string, file: LearningFile): void {
  writeFileAtomicSync(join(stateDir, name), `${JSON.stringify(file)}\n`);
}

export interface StartingLearning {
  readonly fitted: FittedLearning | null;
  /** What a journal `reconcile` event of kind "learning" says about it. */
  readonly summary: { readonly from: string; readonly kellyTrades: number; readonly confidenceSamples: number; readonly qTable: boolean; readonly dropped: readonly string[] };
}

/** The learning a run starts from: the checkpoint `name`, only if it belongs to `runId` (null: any run). */
export function readStartingLearning(stateDir: string, config: Config, name: string, runId: string | null): StartingLearning {
  const { file, problem } = readLearningFile(stateDir, name);
  let fitted: FittedLearning | null = null;
  const dropped: string[] = problem === null ? [] : [problem];
  if (file !== null && (runId === null || file.runId === runId)) {
    const r = fromLearningFile(file, config);
    fitted = r.fitted;
    dropped.push(...r.dropped);
  } else if (file !== null) dropped.push(`${name} belongs to run ${file.runId}, not ${runId}`);
  // Every trade is in the all-symbols series too, so the longest series counts the trades.
  const kellyTrades = fitted?.kelly.series.reduce((n, x) => Math.max(n, x.rMultiple.length), 0) ?? 0;
  return { fitted, summary: { from: fitted === null ? "nothing" : name, kellyTrades, confidenceSamples: fitted?.samples.length ?? 0, qTable: fitted?.qTable != null, dropped } };
}
