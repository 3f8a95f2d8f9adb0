import { chmodSync, copyFileSync, existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import type { RegimeModel } from "../regime/model.ts";
import { tryLoadRegimeModel } from "../regime/model-file.ts";
import { FILE_MODE } from "../io/atomic-file.ts";

/**
 * The regime model a run trades with is fixed for the run: a resumed run replays its decisions,
 * and a model retrained meanwhile (regime.modelPath rewritten) would make different ones. A new
 * run copies the configured model into the state dir; a resumed run reads that copy.
 */
export const RUN_MODEL_FILE = "run-regime-model.json";

export interface RunModelChoice {
  readonly model: RegimeModel | null;
  /** Where it came from, or why there is none (the classifier then answers fail-safe NORMAL). */
  readonly note: string;
}

export function chooseRunModel(stateDir: string, config: Config, resumed: boolean): RunModelChoice {
  const runCopy = join(stateDir, RUN_MODEL_FILE);
  if (!resumed) {
    const source = resolve(config.regime.modelPath);
    if (!existsSync(source)) {
      rmSync(runCopy, { force: true });
      return { model: null, note: `no regime model at ${config.regime.modelPath} (train one with sizewise train): fail-safe NORMAL` };
    }
    const r = tryLoadRegimeModel(source);
    if (!r.ok) {
      rmSync(runCopy, { force: true });
      return { model: null, note: `${r.error}: fail-safe NORMAL` };
    }
    copyFileSync(source, runCopy);
    chmodSync(runCopy, FILE_MODE);
    return { model: r.model, note: `${config.regime.modelPath}, copied for this run` };
  }
  if (!existsSync(runCopy)) return { model: null, note: "this run started without a regime model: fail-safe NORMAL" };
  const r = tryLoadRegimeModel(runCopy);
  return r.ok ? { model: r.model, note: `${RUN_MODEL_FILE} (the model this run started with)` } : { model: null, note: `${r.error}: fail-safe NORMAL` };
}
