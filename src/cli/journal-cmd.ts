import type { Command } from "commander";
import { reviewDays } from "../report/review.ts";
import { reviewMarkdown, reviewText } from "../report/journal-text.ts";
import { loadReview, withReviewSource, type ReviewSourceOptions } from "./review-input.ts";
import { defaultStateDir } from "./home.ts";
import { reviewTradeFacts, STRATEGY_HEAD, strategyBreakdown, strategyCells, strategyMarkdown } from "../report/by-strategy.ts";
import { cliTable } from "./colour.ts";

interface JournalOptions extends ReviewSourceOptions {
  json?: boolean;
  md?: boolean;
}

/** `sizewise journal`: the daily trade-journal review. */
export function registerJournal(program: Command): void {
  withReviewSource(
    program
      .command("journal")
      .description("Review the daily trade journal: each day's trades with their full sizing breakdown, the day's P/L, win rate, max drawdown, halts and cutbacks, and the week and month to date."),
    "day",
  )
    .option("--json", "print the review as JSON")
    .option("--md", "print the review as Markdown")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise journal                                   # the latest day in ./state/journal
  $ npx sizewise journal --state /tmp/x --date 2024-01-04
  $ npx sizewise journal --from 2024-01-01 --to 2024-01-31 --md > january.md
  $ npx sizewise journal --all-runs                        # each run on the state dir in its own section
  $ npx sizewise backtest --json > run.json && npx sizewise journal --input run.json --from 2024-05-01 --to 2024-05-03`,
    )
    .action((o: JournalOptions) => journalCommand(o));
}

function journalCommand(o: JournalOptions): void {
  if (o.json && o.md) throw new Error("give --json or --md, not both");
  const r = loadReview(o);
  if (r.dates.length === 0) {
    process.stdout.write(`nothing in ${o.from ?? "..."}..${o.to ?? "..."}; days with a journal: ${r.available[0]}..${r.available[r.available.length - 1]}\n`);
    return;
  }
  // One section per run and day: a second run's trades are never summed with the first's.
  const sections = r.runs.map((run) => {
    const days = reviewDays(run.input, r.dates.filter((d) => run.input.days.includes(d) || r.runs.length === 1));
    // The period's trades per strategy (issue 14: several strategies in one account).
    const byStrategy = strategyBreakdown(reviewTradeFacts(run.input, days.flatMap((d) => d.trades)));
    return { run, days, byStrategy };
  });
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ source: r.input.source, runs: sections.map((x) => ({ run: x.run.id, source: x.run.input.source, days: x.days, byStrategy: x.byStrategy })), days: sections[0]?.days ?? [], byStrategy: sections[0]?.byStrategy ?? [] })}\n`);
    return;
  }
  for (const x of sections) {
    process.stdout.write(o.md ? reviewMarkdown(x.days, x.run.input.source) : reviewText(x.days, x.run.input.source));
    if (x.byStrategy.length === 0) continue;
    const from = x.days[0]?.date ?? "";
    const to = x.days[x.days.length - 1]?.date ?? "";
    const title = `By strategy (${from === to ? from : `${from}..${to}`})`;
    if (o.md) process.stdout.write(`## ${title}\n\n${strategyMarkdown(x.byStrategy)}\n\n`);
    else {
      const t = cliTable({ head: STRATEGY_HEAD });
      for (const row of x.byStrategy) t.push(strategyCells(row));
      process.stdout.write(`${title}:\n${t.toString()}\n`);
    }
  }
  const others = r.allRuns.filter((l) => !r.runs.some((x) => x.label === `run ${l}`));
  if (others.length > 0) process.stdout.write(`(this journal also holds run${others.length === 1 ? "" : "s"} ${others.join(", ")}: --run ID or --all-runs)\n`);
  const days = sections.flatMap((x) => x.days);
  const asked = Boolean(o.date || o.from || o.to);
  if (!asked && days.every((d) => d.trades.length === 0)) {
    const withTrades = [...new Set(r.input.trades.map((t) => t.day))];
    const last = withTrades[withTrades.length - 1];
    if (last) process.stdout.write(`(the latest day with trades is ${last}: sizewise journal${o.state !== defaultStateDir() ? ` --state ${o.state}` : ""} --date ${last})\n`);
  }
}
