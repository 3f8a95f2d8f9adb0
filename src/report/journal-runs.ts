import type { JournalEvent } from "../store/journal.ts";
import type { JournalDay } from "./journal-source.ts";

/**
 * Splits a state dir's journal into its runs. Every event a daemon writes once it has chosen its
 * run carries that run's id (`run`); two runs on one state dir share the daily files, and a figure
 * must never add one run's trades to another's. Events without an id are either an older journal
 * (written before runs were stamped: read as one unnamed run) or the few a daemon writes before
 * it has chosen its run (a recovered state file): those belong to the run that follows them.
 */

/** The label of the unnamed run (events written before journals carried run ids). */
export const UNNAMED_RUN = "unnamed";

export interface RunJournal {
  /** The run id, or null for the unnamed run of an older journal. */
  readonly id: string | null;
  /** Its days, oldest first, each with only this run's events (days without any are left out). */
  readonly days: JournalDay[];
}

/** Short form used in headings and accepted by `--run` (a prefix of the id). */
export function runLabel(id: string | null): string {
  return id === null ? UNNAMED_RUN : id.slice(0, 8);
}

/** The runs of `days` in the order they first wrote. */
export function splitRuns(days: readonly JournalDay[]): RunJournal[] {
  const byRun = new Map<string | null, Map<string, JournalEvent[]>>();
  const put = (run: string | null, date: string, e: JournalEvent): void => {
    let dates = byRun.get(run);
    if (dates === undefined) byRun.set(run, (dates = new Map()));
    const list = dates.get(date);
    if (list === undefined) dates.set(date, [e]);
    else list.push(e);
  };
  let seenStamp = false;
  let lastRun: string | null = null;
  let pending: { date: string; e: JournalEvent }[] = [];
  for (const { date, events } of days) {
    for (const e of events) {
      const run = typeof e.run === "string" && e.run !== "" ? e.run : null;
      if (run === null) {
        pending.push({ date, e });
        continue;
      }
      // Unstamped events before any stamped one: an older journal; after one: the start-up of this run.
      for (const p of pending) put(seenStamp ? run : null, p.date, p.e);
      pending = [];
      seenStamp = true;
      lastRun = run;
      put(run, date, e);
    }
  }
  for (const p of pending) put(seenStamp ? lastRun : null, p.date, p.e);
  return [...byRun].map(([id, dates]) => ({ id, days: [...dates].sort(([a], [b]) => a.localeCompare(b)).map(([date, events]) => ({ date, events })) }));
}

export interface RunChoice {
  /** A run id or its prefix (as `status` and the headings print it), or "unnamed". */
  readonly run?: string;
  readonly allRuns?: boolean;
}

/**
 * The runs a review shows: all of them, the one `--run` names, or by default the latest (the
 * state file's current run when the journal has it, else the last to start writing).
 */
export function pickRuns(runs: readonly RunJournal[], choice: RunChoice, currentRunId: string | null): RunJournal[] {
  if (choice.run !== undefined && choice.allRuns) throw new Error("give --run ID or --all-runs, not both");
  if (choice.allRuns) return [...runs];
  if (choice.run !== undefined) {
    const want = choice.run.trim();
    const hits = runs.filter((r) => (r.id === null ? want === UNNAMED_RUN : want !== "" && r.id.startsWith(want)));
    if (hits.length === 1) return hits;
    const known = runs.map((r) => runLabel(r.id)).join(", ") || "none";
    throw new Error(hits.length === 0 ? `no run "${want}" in this journal (runs: ${known})` : `--run ${want} matches ${hits.length} runs: give more of the id (runs: ${known})`);
  }
  const current = runs.find((r) => r.id !== null && r.id === currentRunId);
  const latest = current ?? runs[runs.length - 1];
  return latest === undefined ? [] : [latest];
}
