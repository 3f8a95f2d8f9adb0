import { describeZodIssues } from "../config/zod-issues.ts";
import { ENTRY_FEATURE_NAMES } from "../features/catalogue.ts";
import { writeFileAtomicSync } from "../io/atomic-file.ts";
import { readJsonFile } from "../io/read-json.ts";
import { REGIME_MODEL_FORMAT, REGIME_MODEL_VERSION, regimeModelSchema, type RegimeModel } from "./model.ts";

/**
 * The regime model on disk. A bad or missing file is never a crash: the run goes on with the
 * fail-safe NORMAL, and the message names the file and what is wrong with it.
 */

export type RegimeModelLoad = { readonly ok: true; readonly model: RegimeModel } | { readonly ok: false; readonly missing: boolean; readonly error: string };

/** Validates parsed JSON as a model this build can use; `source` names it in the error. */
export function parseRegimeModel(raw: unknown, source: string): RegimeModelLoad {
  const head = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : undefined;
  // Format and version first, so another tool's file gets that message rather than a schema diff.
  if (!head || head.format !== REGIME_MODEL_FORMAT) return bad(source, `not a regime model file (format ${JSON.stringify(head?.format)}, expected "${REGIME_MODEL_FORMAT}")`);
  if (head.version !== REGIME_MODEL_VERSION) return bad(source, `unsupported regime model version ${JSON.stringify(head.version)} (this build reads ${REGIME_MODEL_VERSION})`);
  const r = regimeModelSchema.safeParse(raw);
  if (!r.success) return bad(source, `malformed regime model: ${describeZodIssues(r.error)}`);
  const unknown = r.data.features.filter((f) => !ENTRY_FEATURE_NAMES.includes(f));
  if (unknown.length > 0) return bad(source, `model uses feature ${unknown.join(", ")}, which this build does not compute`);
  return { ok: true, model: r.data };
}

function bad(source: string, detail: string, missing = false): RegimeModelLoad {
  return { ok: false, missing, error: `${source}: ${detail}` };
}

export function tryLoadRegimeModel(file: string): RegimeModelLoad {
  const r = readJsonFile(file, "regime model");
  return r.ok ? parseRegimeModel(r.value, file) : bad(file, r.detail, r.kind === "missing");
}

/**
 * The model in `file`, or null (with `warn` told why, and that the fail-safe NORMAL applies) when
 * it is missing or unusable.
 */
export function loadRegimeModel(file: string, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): RegimeModel | null {
  const r = tryLoadRegimeModel(file);
  if (r.ok) return r.model;
  warn(`${r.error}; regime calls fall back to NORMAL`);
  return null;
}

/** Writes the model atomically (0600). */
export function saveRegimeModel(file: string, model: RegimeModel): void {
  writeFileAtomicSync(file, `${JSON.stringify(model, null, 1)}\n`);
}
