import type { Command } from "commander";
import type { Config } from "../config/schema.ts";
import { createRegimeClassifier } from "../regime/classifier.ts";
import { loadRegimeModel } from "../regime/model-file.ts";
import type { RegimeClassifier } from "../sizing/regime-port.ts";

/** Adds `--regime-model FILE` to a command that runs the engine. */
export function withRegimeModelOption(cmd: Command): Command {
  return cmd.option(
    "--regime-model <file>",
    "classify entries with this regime model (from `train`); it answers only for decisions after its training data, else NORMAL",
  );
}

/** The classifier for `--regime-model FILE`, or undefined without the option. A bad file warns on stderr and runs fail-safe NORMAL. */
export function regimeFromOption(file: string | undefined, config: Config): RegimeClassifier | undefined {
  return file === undefined ? undefined : createRegimeClassifier(loadRegimeModel(file), config);
}
