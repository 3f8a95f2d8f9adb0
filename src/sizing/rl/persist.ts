import { z } from "zod";
import type { RlConfig } from "./config.ts";
import { rlBucketsSchema } from "./config.ts";
import { QTable } from "./q-table.ts";
import { describeZodIssues } from "../../config/zod-issues.ts";
import { writeFileAtomicSync } from "../../io/atomic-file.ts";
import { readJsonFile } from "../../io/read-json.ts";

/**
 * The Q-table on disk: versioned JSON, validated with zod on load.
 *
 * Errors: `loadQTable` throws a `QTableFileError` (never anything else) whose message names the
 * file and what is wrong; `tryLoadQTable` returns the same error as a value for callers that
 * prefer a Result. Either way the caller decides (e.g. fall back to a fresh table) and is never
 * crashed by a bad file. `saveQTable` writes atomically (temp file, fsync, rename), so a crash
 * mid-write leaves the previous table intact.
 */

export const QTABLE_FORMAT = "sizewise.qtable";
/**
 * The version this build writes. 2 added `trainedOn` (the bars a table was trained on). A build
 * that reads only version 1 refuses a version 2 file by its version, in one line, instead of
 * listing `trainedOn` as an unknown key of its strict schema.
 */
export const QTABLE_VERSION = 2;
/**
 * The versions this build reads: 1 (no `trainedOn`; the build that first recorded it still wrote
 * 1, so a version 1 file may carry it too) and 2. A later version is refused: its new fields would
 * otherwise be dropped without a word, or break the strict schema with a confusing message.
 */
export const QTABLE_READABLE_VERSIONS: readonly number[] = [1, 2];

/** Why this build cannot read a table of `version`, or null when it can. */
export function qTableVersionProblem(version: unknown): string | null {
  if (typeof version === "number" && QTABLE_READABLE_VERSIONS.includes(version)) return null;
  const reads = `this build reads versions ${QTABLE_READABLE_VERSIONS.join(" and ")}`;
  if (typeof version === "number" && Number.isInteger(version) && version > QTABLE_VERSION) {
    return `unsupported Q-table version ${version}: written by a newer sizewise (${reads}); upgrade sizewise to use it`;
  }
  return `unsupported Q-table version ${JSON.stringify(version)} (${reads})`;
}

export type QTableFileErrorKind = "missing" | "io" | "json" | "format" | "version" | "schema" | "incompatible";

export class QTableFileError extends Error {
  constructor(
    readonly file: string,
    readonly kind: QTableFileErrorKind,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, options);
    this.name = "QTableFileError";
  }
}

const entrySchema = z
  .object({
    state: z.string().min(1),
    q: z.array(z.number().finite()),
    n: z.array(z.number().int().min(0)),
  })
  .strict();

/**
 * The bars one training session ran on, as `train-rl` records them in the table file: a later
 * `compare --rl-table` on the same (or overlapping) bars labels its figures in-sample.
 */
export const qTableTrainingSchema = z
  .object({
    symbols: z.array(z.string()),
    /** First and last bar time, ISO (UTC). */
    from: z.string(),
    to: z.string(),
    bars: z.number().int().min(0),
    /** SHA-256 of every bar (symbol, time, OHLCV), symbols in order: equal hashes, the same bars. */
    sha256: z.string(),
  })
  .strict();

export type QTableTraining = z.infer<typeof qTableTrainingSchema>;

export const qTableFileSchema = z
  .object({
    format: z.literal(QTABLE_FORMAT),
    // Any readable version, with the same message as parseQTable's for the rest (this schema also
    // checks the tables embedded in state.json and learning.json).
    version: z.number().superRefine((v, ctx) => {
      const problem = qTableVersionProblem(v);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    }),
    createdAt: z.string().optional(),
    actions: z
      .array(z.number().finite().positive())
      .min(1)
      .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]), { message: "actions must be strictly increasing" }),
    bucketEdges: rlBucketsSchema,
    alpha: z.number().gt(0).max(1),
    initialQ: z.number().finite(),
    epsilon: z
      .object({
        start: z.number().min(0).max(1),
        min: z.number().min(0).max(1),
        decay: z.enum(["linear", "exponential"]),
        decayUpdates: z.number().int().min(1),
        /** Informational: recomputed from the schedule and `updates` on load. */
        current: z.number().min(0).max(1),
      })
      .strict(),
    updates: z.number().int().min(0),
    rewardSum: z.number().finite(),
    entries: z.array(entrySchema),
    /** The bars it was trained on, one record per training session (a --resume adds one); absent in version 1 files and in tables never trained by train-rl (the daemon's). */
    trainedOn: z.array(qTableTrainingSchema).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.entries.forEach((e, i) => {
      if (e.q.length !== f.actions.length) ctx.addIssue({ code: "custom", path: ["entries", i, "q"], message: `expected ${f.actions.length} values (one per action), got ${e.q.length}` });
      if (e.n.length !== f.actions.length) ctx.addIssue({ code: "custom", path: ["entries", i, "n"], message: `expected ${f.actions.length} counts (one per action), got ${e.n.length}` });
      if (seen.has(e.state)) ctx.addIssue({ code: "custom", path: ["entries", i, "state"], message: `duplicate state ${e.state}` });
      seen.add(e.state);
    });
  });

export type QTableFile = z.infer<typeof qTableFileSchema>;

export function serializeQTable(table: QTable): QTableFile {
  const s = table.schedule;
  return {
    format: QTABLE_FORMAT,
    version: QTABLE_VERSION,
    ...(table.createdAt !== undefined ? { createdAt: table.createdAt } : {}),
    actions: [...table.actions],
    bucketEdges: table.bucketEdges,
    alpha: table.alpha,
    initialQ: table.initialQ,
    epsilon: { start: s.start, min: s.min, decay: s.decay, decayUpdates: s.decayUpdates, current: table.epsilon },
    updates: table.totalUpdates,
    rewardSum: table.totalReward,
    entries: table.entryList().map((e) => ({ state: e.state, q: [...e.q], n: [...e.n] })),
  };
}


/** Builds a table from parsed JSON; `source` names the file (or lowdb key) in errors. */
export function parseQTable(raw: unknown, source: string): QTable {
  // Format and version first, so a file from another tool or build gets that message rather
  // than a list of schema differences.
  const head = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : undefined;
  if (!head || head.format !== QTABLE_FORMAT) {
    throw new QTableFileError(source, "format", `not a Q-table file (format ${JSON.stringify(head?.format)}, expected "${QTABLE_FORMAT}")`);
  }
  const versionProblem = qTableVersionProblem(head.version);
  if (versionProblem !== null) throw new QTableFileError(source, "version", versionProblem);
  const parsed = qTableFileSchema.safeParse(raw);
  if (!parsed.success) throw new QTableFileError(source, "schema", `malformed Q-table: ${describeZodIssues(parsed.error)}`);
  const f = parsed.data;
  const table = new QTable({
    actions: f.actions,
    alpha: f.alpha,
    initialQ: f.initialQ,
    schedule: { start: f.epsilon.start, min: f.epsilon.min, decay: f.epsilon.decay, decayUpdates: f.epsilon.decayUpdates },
    bucketEdges: f.bucketEdges,
    createdAt: f.createdAt,
  });
  table.restore(f.entries, f.updates, f.rewardSum);
  return table;
}

/** Throws QTableFileError (kind "missing" when the file does not exist). */
export function loadQTable(path: string): QTable {
  const r = readJsonFile(path, "Q-table");
  if (!r.ok) throw new QTableFileError(path, r.kind, r.detail, { cause: r.cause });
  return parseQTable(r.value, path);
}

export type LoadResult = { ok: true; table: QTable } | { ok: false; error: QTableFileError };

export function tryLoadQTable(path: string): LoadResult {
  try {
    return { ok: true, table: loadQTable(path) };
  } catch (e) {
    if (e instanceof QTableFileError) return { ok: false, error: e };
    return { ok: false, error: new QTableFileError(path, "io", String(e), { cause: e }) };
  }
}

/**
 * The training records of the table file at `path` (empty when it records none); throws
 * QTableFileError like loadQTable for a missing or bad file.
 */
export function loadQTableTraining(path: string): QTableTraining[] {
  const r = readJsonFile(path, "Q-table");
  if (!r.ok) throw new QTableFileError(path, r.kind, r.detail, { cause: r.cause });
  parseQTable(r.value, path);
  return [...((r.value as { trainedOn?: QTableTraining[] }).trainedOn ?? [])];
}

/**
 * Atomic write (temp file, fsync, rename; 0600): a crash leaves the old table or the new one, never
 * half of either. `trainedOn`: the bars it was trained on, written into the file.
 */
export function saveQTable(path: string, table: QTable, trainedOn?: readonly QTableTraining[]): void {
  try {
    const file: QTableFile = { ...serializeQTable(table), ...(trainedOn ? { trainedOn: [...trainedOn] } : {}) };
    writeFileAtomicSync(path, `${JSON.stringify(file, null, 1)}\n`);
  } catch (e) {
    throw new QTableFileError(path, "io", `cannot write: ${(e as Error).message}`, { cause: e });
  }
}

/** Why a stored table cannot serve `cfg` (state keys or action indices would mean other things). */
export function compatibilityProblems(table: QTable, cfg: RlConfig): string[] {
  const out: string[] = [];
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(table.actions, cfg.actions)) out.push(`actions [${table.actions.join(", ")}] differ from config [${cfg.actions.join(", ")}]`);
  for (const k of ["volatility", "trend", "confidence", "drawdownPct"] as const) {
    if (!same(table.bucketEdges[k], cfg.buckets[k])) {
      out.push(`bucket edges ${k} [${table.bucketEdges[k].join(", ")}] differ from config [${cfg.buckets[k].join(", ")}]`);
    }
  }
  return out;
}

/**
 * Startup helper: the stored table when the file exists and matches the config's actions and
 * buckets (alpha and the epsilon schedule then follow the config, the update count carries on),
 * a fresh table when there is no file. Throws QTableFileError for a bad or incompatible file:
 * silently starting over would throw away learning, so that is the caller's explicit choice.
 */
export function openQTable(path: string, cfg: RlConfig): { table: QTable; source: "file" | "new" } {
  const r = tryLoadQTable(path);
  if (!r.ok) {
    if (r.error.kind === "missing") return { table: QTable.fromConfig(cfg), source: "new" };
    throw r.error;
  }
  const problems = compatibilityProblems(r.table, cfg);
  if (problems.length > 0) throw new QTableFileError(path, "incompatible", `Q-table does not match config: ${problems.join("; ")}`);
  r.table.setLearning(cfg.alpha, { start: cfg.epsilonStart, min: cfg.epsilonMin, decay: cfg.epsilonDecay, decayUpdates: cfg.epsilonDecayUpdates });
  return { table: r.table, source: "file" };
}
