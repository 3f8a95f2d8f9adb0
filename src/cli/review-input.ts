import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { journalDates, journalInput, readJournalDays, readStateFile, tradeListInput } from "../report/journal-source.ts";
import { pickRuns, runLabel, splitRuns } from "../report/journal-runs.ts";
import { pickDates, weekStart } from "../report/review.ts";
import type { ReviewInput } from "../report/trades.ts";
import { homeDir, requireStateDir } from "./home.ts";

/** Options of the commands that review a run: the daemon's state dir, or a backtest's JSON output. */
export interface ReviewSourceOptions {
  state: string;
  input?: string;
  mode?: string;
  config?: string;
  date?: string;
  from?: string;
  to?: string;
  /** Journal only: which run (an id or its prefix, or "unnamed"); default the latest. */
  run?: string;
  allRuns?: boolean;
}

export function withReviewSource(cmd: Command, dates: "day" | "range"): Command {
  cmd.option("--state <dir>", "the daemon's state folder (journal/ and state.json)", "state");
  if (dates === "day") cmd.option("--date <YYYY-MM-DD>", "one trading day (default: the latest journal day)");
  return cmd
    .option("--from <YYYY-MM-DD>", "first trading day")
    .option("--to <YYYY-MM-DD>", "last trading day (inclusive)")
    .option("--input <file>", "review a backtest instead: the JSON of backtest --json, compare --json or walkforward --json")
    .option("--run <id>", "the journal's run to review (its id or first characters, as status prints it; \"unnamed\" for a journal older than run ids); default: the latest run")
    .option("--all-runs", "review every run in the journal, each separately")
    .option("--mode <mode>", "with --input from compare or walkforward: which sizing mode's trades (default: the first)")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults): starting equity of --input, Kelly and RL settings");
}

/** One run's review input; a journal with two runs on a day gives two, never one sum. */
export interface ReviewRun {
  /** The run id (null: an older journal's unnamed run, or a backtest's --input). */
  readonly id: string | null;
  /** "run 1a2b3c4d", "run unnamed", or "" for --input. */
  readonly label: string;
  readonly input: ReviewInput;
}

export interface LoadedReview {
  /** The first chosen run's input (the only one unless --all-runs). */
  readonly input: ReviewInput;
  /** Each chosen run separately, in the order they started. */
  readonly runs: readonly ReviewRun[];
  /** Every run the journal holds in the dates read (labels), to tell the user what else there is. */
  readonly allRuns: readonly string[];
  /** The dates asked for (empty when the source has nothing in range). */
  readonly dates: string[];
  /** Every date the source has, oldest first. */
  readonly available: string[];
  readonly config: Config;
  /** The raw JSON given with --input (its other parts feed the report), else null. */
  readonly json: unknown;
}

/**
 * Reads only the journal days a review of `dates` needs (back to the start of its week and month).
 * Without a date or range: the latest day, or with `all` every day.
 */
export function loadReview(o: ReviewSourceOptions, all = false): LoadedReview {
  const range = (available: string[]): string[] => (all && !o.date && !o.from && !o.to ? available : pickDates(available, o));
  const config = resolveConfig(o.config, homeDir());
  if (o.input) {
    if (!existsSync(o.input)) throw new Error(`--input ${o.input} does not exist`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(o.input, "utf8"));
    } catch (e) {
      throw new Error(`--input ${o.input} is not JSON: ${(e as Error).message}`, { cause: e });
    }
    const input = tradeListInput(o.input, json, config.execution.initialEquityUsd, o.mode);
    const available = [...input.days].sort();
    if (o.run !== undefined || o.allRuns) throw new Error("--run and --all-runs choose among a journal's runs, not with --input");
    return { input, runs: [{ id: null, label: "", input }], allRuns: [], dates: range(available), available, config, json };
  }
  requireStateDir(o.state, "no journal to review there (or give --input FILE for a backtest's JSON)");
  const available = journalDates(o.state);
  if (available.length === 0) {
    throw new Error(`no journal in ${o.state}/journal: run the bot first (npm start), or pass --state DIR, or --input FILE for a backtest's JSON`);
  }
  const dates = range(available);
  const first = dates[0] ?? available[available.length - 1];
  const last = dates[dates.length - 1] ?? first;
  const lo = [weekStart(first), `${first.slice(0, 8)}01`].sort()[0];
  const days = readJournalDays(o.state, available.filter((d) => d >= lo && d <= last));
  const state = readStateFile(o.state);
  const runs = splitRuns(days);
  // By default the latest run among those that wrote on the dates asked for.
  const asked = new Set(dates);
  const inDates = runs.filter((r) => r.days.some((d) => asked.has(d.date)));
  const chosen = pickRuns(o.run === undefined && !o.allRuns && inDates.length > 0 ? inDates : runs, o, state?.run?.id ?? null);
  const reviews: ReviewRun[] = chosen.map((r) => {
    // The state file's starting cash is its own run's only; another run's is not known here.
    const own = r.id !== null && r.id === state?.run?.id;
    const input = journalInput(o.state, r.days, own ? state : null);
    return { id: r.id, label: `run ${runLabel(r.id)}`, input: { ...input, source: `${input.source} | run ${runLabel(r.id)}` } };
  });
  const empty = journalInput(o.state, [], null);
  return { input: reviews[0]?.input ?? empty, runs: reviews, allRuns: runs.map((r) => runLabel(r.id)), dates, available, config, json: null };
}
