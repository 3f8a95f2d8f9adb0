import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { journalDates, journalInput, readJournalDays, readStateFile, tradeListInput } from "../report/journal-source.ts";
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
}

export function withReviewSource(cmd: Command, dates: "day" | "range"): Command {
  cmd.option("--state <dir>", "the daemon's state folder (journal/ and state.json)", "state");
  if (dates === "day") cmd.option("--date <YYYY-MM-DD>", "one trading day (default: the latest journal day)");
  return cmd
    .option("--from <YYYY-MM-DD>", "first trading day")
    .option("--to <YYYY-MM-DD>", "last trading day (inclusive)")
    .option("--input <file>", "review a backtest instead: the JSON of backtest --json, compare --json or walkforward --json")
    .option("--mode <mode>", "with --input from compare or walkforward: which sizing mode's trades (default: the first)")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults): starting equity of --input, Kelly and RL settings");
}

export interface LoadedReview {
  readonly input: ReviewInput;
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
    return { input, dates: range(available), available, config, json };
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
  return { input: journalInput(o.state, days, readStateFile(o.state)), dates, available, config, json: null };
}
