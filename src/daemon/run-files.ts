import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { DIR_MODE, fileStamp } from "../io/atomic-file.ts";
import { readLearningFile, RUN_START_FILE } from "./learning-checkpoint.ts";
import { parseState, StateFileError } from "../store/state-schema.ts";

/**
 * The files that together are one run on record: the resumable state, the write-ahead intent log
 * and the learning the run started from. A restart needs all three; any one missing or damaged
 * while the others hold a run means the run cannot be rebuilt as it was. Replacing it quietly
 * with a new run (as the daemon once did) mixes two histories in one journal, so `start` refuses
 * and names the one explicit way out: `--new-run`, which sets the files aside (see moveRunAside).
 */
export const STATE_FILE = "state.json";
export const INTENTS_FILE = "intents.jsonl";
export const RUN_FILES: readonly string[] = [STATE_FILE, INTENTS_FILE, RUN_START_FILE];

/** Where `--new-run` puts the files of the run it sets aside. */
export const OLD_RUNS_DIR = "old-runs";

/** The command that resolves a refusal, printed with it. */
export function newRunCommand(stateDir: string): string {
  return `sizewise start --new-run --state ${stateDir}`;
}

/** A run on record whose files cannot rebuild it. `start` refuses with this message. */
export class DamagedRunError extends Error {
  constructor(
    readonly stateDir: string,
    /** The file at fault (a path). */
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      `${file}: ${problem}. The run on record in ${stateDir} cannot be resumed, and nothing was changed. ` +
        `To set this run's files aside (into ${join(stateDir, OLD_RUNS_DIR)}/<time>/; the journal is kept) and start a new run: ${newRunCommand(stateDir)}`,
    );
    this.name = "DamagedRunError";
  }
}

function nonEmpty(file: string): boolean {
  return existsSync(file) && statSync(file).size > 0;
}

/**
 * Null when the state dir holds no run or a whole one; otherwise what is wrong, naming the file.
 * A run is on record when state.json names one, or (state.json gone) when the intent log has
 * lines (orders were sent). The intent log is not parsed line by line here:
 * a torn last line is a crash's normal trace and is skipped on read.
 */
export function checkRunFiles(stateDir: string): DamagedRunError | null {
  const stateFile = join(stateDir, STATE_FILE);
  const intentsFile = join(stateDir, INTENTS_FILE);
  const learningFile = join(stateDir, RUN_START_FILE);
  if (!existsSync(stateFile)) {
    // No state and no order sent: nothing of a run to lose. That is also what a kill between a
    // first start's run-learning.json write and its first state commit leaves, which must not
    // be refused (the chaos run kills at any point).
    if (!nonEmpty(intentsFile)) return null;
    const others = [INTENTS_FILE, existsSync(learningFile) ? RUN_START_FILE : null].filter((x) => x !== null);
    return new DamagedRunError(stateDir, stateFile, `missing, while ${others.join(" and ")} hold a run`);
  }
  let runId: string | null;
  try {
    runId = parseState(readFileSync(stateFile, "utf8"), stateFile).run?.id ?? null;
  } catch (e) {
    const why = e instanceof StateFileError ? e.detail : (e as Error).message;
    return new DamagedRunError(stateDir, stateFile, readFileSync(stateFile, "utf8").trim() === "" ? "empty" : why);
  }
  if (runId === null) return null;
  if (!existsSync(intentsFile)) return new DamagedRunError(stateDir, intentsFile, `missing, while ${STATE_FILE} holds run ${runId} (its orders cannot be matched to the broker's)`);
  if (!existsSync(learningFile)) return new DamagedRunError(stateDir, learningFile, `missing, while ${STATE_FILE} holds run ${runId} (the learning it started from is lost)`);
  const { problem } = readLearningFile(stateDir, RUN_START_FILE);
  if (problem !== null) return new DamagedRunError(stateDir, learningFile, problem.startsWith(`${learningFile}: `) ? problem.slice(learningFile.length + 2) : problem);
  return null;
}

/**
 * `start --new-run`: moves the run's files that exist into old-runs/<time>/ and returns that
 * folder (null when there was nothing to move). The journal, the latest learning and the HALT
 * flag stay: the journal is the history of every run, the learning carries over by design.
 */
export function moveRunAside(stateDir: string, nowMs: number): { dir: string; moved: string[] } | null {
  const present = RUN_FILES.filter((f) => existsSync(join(stateDir, f)));
  if (present.length === 0) return null;
  const dir = join(stateDir, OLD_RUNS_DIR, fileStamp(nowMs));
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  for (const f of present) renameSync(join(stateDir, f), join(dir, f));
  return { dir, moved: present };
}

/** `start --new-run`: sets the run aside and returns the line that says so (the new run starts next). */
export function startNewRun(stateDir: string, nowMs: number): string {
  const r = moveRunAside(stateDir, nowMs);
  if (r === null) return `sizewise: --new-run: no run on record in ${stateDir}; starting a new run\n`;
  return `sizewise: --new-run: the previous run's ${r.moved.join(", ")} moved to ${r.dir} (the journal is kept); starting a NEW run\n`;
}
