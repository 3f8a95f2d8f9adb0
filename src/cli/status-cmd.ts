import { cliTable } from "./colour.ts";
import type { Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import { readStatus, type StatusReport } from "../report/status.ts";
import { money, usd } from "../report/journal-text.ts";
import { nyClock } from "../report/trades.ts";
import { homeDir, requireStateDir } from "./home.ts";

interface StatusOptions {
  state: string;
  json?: boolean;
  config?: string;
  run?: string;
  allRuns?: boolean;
}

/** `sizewise status`: is the daemon running, and what it holds, from its state dir. */
export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("Show the daemon's status from its state folder: running or not, broker, equity, open positions with unrealised P/L, stops and next template step, today's P/L and trades, halts and cutbacks, last bar per symbol, stream health.")
    .option("--state <dir>", "the daemon's state folder", "state")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults): the drawdown ladder")
    .option("--run <id>", "take the journal figures from this run (its id or first characters; \"unnamed\" for a journal older than run ids); default: the state's current run")
    .option("--all-runs", "list every run of the last 60 journal days with its own figures, not only those that wrote today")
    .option("--json", "print the status as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise status
  $ npx sizewise status --state /tmp/x --json`,
    )
    .action((o: StatusOptions) => {
      requireStateDir(o.state, "no daemon has run there");
      const s = readStatus(o.state, resolveConfig(o.config, homeDir()), { run: o.run, allRuns: o.allRuns });
      process.stdout.write(o.json ? `${JSON.stringify(s)}\n` : statusText(s, o.allRuns));
    });
}

/** The other runs that wrote on the status's day (or all with --all-runs), each with its own figures. */
function otherRuns(s: StatusReport, all: boolean): string[] {
  const others = s.runs.filter((r) => r.run !== s.figuresRun && (all || r.lastDate === s.today.date || r.tradesClosed > 0));
  return others.map((r) => `           run ${r.run}${r.current ? " (current)" : ""} ${r.firstDate}..${r.lastDate}: realised P/L ${usd(r.realizedPnlUsd)} today, ${r.tradesClosed} trades closed (${r.wins} won); not in the figures above (--run ${r.run})`);
}

const at = (iso: string | null): string => (iso === null ? "-" : `${iso.slice(0, 10)} ${nyClock(iso)} NY`);

export function statusText(s: StatusReport, allRuns = false): string {
  const r = s.running;
  const lines = [
    `sizewise status: ${s.stateDir}`,
    `Daemon:    ${r.state === "running" ? `RUNNING (${r.detail})` : r.detail}`,
    `Broker:    ${s.broker ?? "-"}${s.run ? ` | run ${s.run.id.slice(0, 8)} started ${at(s.run.startedAt)}, ${s.run.symbols.length} symbols` : ""} | sizing mode: ${s.sizingMode ?? "-"}`,
    `Equity:    ${money(s.equity.estimateUsd)} (${s.equity.how})${s.equity.lastReportedUsd !== null ? ` | last reported ${money(s.equity.lastReportedUsd)} at ${at(s.equity.lastReportedAt)}` : ""}`,
    `           high-water ${money(s.highWaterUsd)} | drawdown ${s.drawdownPct === null ? "-" : `${s.drawdownPct.toFixed(2)}%`}`,
    `Today:     ${s.today.date ?? "-"}: realised P/L ${usd(s.today.realizedPnlUsd)}, ${s.today.entries} entries, ${s.today.tradesClosed} trades closed (${s.today.wins} won)${s.figuresRun === null ? "" : ` [run ${s.figuresRun}]`}`,
    ...otherRuns(s, allRuns),
    `Halts:     ${s.halts.length ? s.halts.join("; ") : "none"}`,
    `Cutbacks:  ${s.cutbacks.length ? s.cutbacks.join("; ") : "none"}`,
  ];
  if (s.positions.length === 0) lines.push("Positions: none open");
  else {
    const t = cliTable({ head: ["symbol", "shares", "avg entry", "last", "unrealised", "stop", "template", "next step"], style: { head: [], border: [] } });
    for (const p of s.positions) {
      t.push([p.symbol, p.shares, p.avgEntryUsd.toFixed(4), p.lastPriceUsd === null ? "-" : `${p.lastPriceUsd.toFixed(4)} (${nyClock(p.lastPriceTime ?? "")})`, p.unrealizedUsd === null ? "-" : usd(p.unrealizedUsd), p.stopUsd.toFixed(4), p.template ?? "-", p.next]);
    }
    lines.push(`Positions: ${s.positions.length} open`, t.toString());
  }
  if (s.lastBars.length > 0) {
    const newest = s.lastBars.reduce((a, b) => (b.time > a ? b.time : a), "");
    const late = s.lastBars.filter((b) => b.behindNewestMin > 0);
    lines.push(`Last bars: newest ${at(newest)}; ${late.length === 0 ? `all ${s.lastBars.length} symbols up to date` : `behind: ${late.map((b) => `${b.symbol} ${b.behindNewestMin} min`).join(", ")}`}`);
  }
  lines.push(
    `Streams:   ${s.streams.map((x) => `${x.stream} ${x.state === "down" ? `DOWN since ${at(x.lastTime)}` : x.lastEvent ? `ok (last ${x.lastEvent} ${at(x.lastTime)})` : "ok"}${x.disconnectsToday ? `, ${x.disconnectsToday} disconnects today` : ""}`).join(" | ")}`,
    `Journal:   last event ${s.lastJournalEvent ? `${s.lastJournalEvent.type} at ${at(s.lastJournalEvent.time)}` : "-"}`,
  );
  return `${lines.join("\n")}\n`;
}
