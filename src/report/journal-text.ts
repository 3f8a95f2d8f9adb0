import { formatUsd } from "./format.ts";
import Table from "cli-table3";
import { nyClock, type ReviewSizing, type ReviewTrade } from "./trades.ts";
import type { DayReview, PeriodSummary } from "./review.ts";

/** The journal review as terminal tables or Markdown. */

export const usd = (x: number): string => formatUsd(x, 2, true);
export const money = (x: number | null): string => (x === null ? "-" : formatUsd(x));
const price = (x: number): string => (Number.isFinite(x) ? (x < 10 ? x.toFixed(4) : x.toFixed(2)) : "-");
const pct = (x: number | null, d = 1): string => (x === null || !Number.isFinite(x) ? "-" : `${x.toFixed(d)}%`);
const weekday = (date: string): string => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][new Date(`${date}T12:00:00Z`).getUTCDay()];

const TRADE_HEAD = ["#", "symbol", "entry", "exit", "shares", "entry $", "exit $", "R", "P/L", "exit reason", "regime", "template", "mode"];

function tradeRow(t: ReviewTrade, i: number): string[] {
  return [
    String(i + 1),
    t.symbol,
    nyClock(t.entryTime),
    nyClock(t.exitTime),
    String(t.shares),
    price(t.entryPrice),
    price(t.exitPrice),
    Number.isFinite(t.r) ? t.r.toFixed(2) : "-",
    usd(t.pnl),
    t.exitReason,
    t.regime ?? "-",
    t.template ?? "-",
    t.mode ?? "-",
  ];
}

/** Each factor and its reason, one per line, then the cap. */
export function sizingLines(s: ReviewSizing, indent = "    "): string[] {
  const lines = [`${indent}${s.summary}`];
  for (const f of s.factors) lines.push(`${indent}  ${f.name.padEnd(6)} ${fmtFactor(f.name, f.factor).padEnd(7)} ${f.reason}`);
  lines.push(`${indent}  ${"cap".padEnd(6)} ${"".padEnd(7)} ${s.cap ?? "none"}`);
  if (s.probability !== null) lines.push(`${indent}  win probability ${s.probability.toFixed(3)}`);
  return lines;
}

const fmtFactor = (name: string, f: number): string => (!Number.isFinite(f) ? "-" : name === "risk" ? `${(f * 100).toFixed(2)}%` : `x${f.toFixed(2)}`);

function periodLine(label: string, p: PeriodSummary): string {
  return `${label} (${p.from}..${p.to}, ${p.days} day${p.days === 1 ? "" : "s"}): ${p.trades} trade${p.trades === 1 ? "" : "s"}, win rate ${pct(p.winRatePct, 0)}, P/L ${usd(p.pnlUsd)}`;
}

function dayLines(d: DayReview): string[] {
  const s = d.summary;
  return [
    `Day: P/L ${usd(s.pnlUsd)} | trades ${s.trades} | win rate ${pct(s.winRatePct, 0)} | max drawdown ${money(s.maxDrawdownUsd)} (${pct(s.maxDrawdownPct, 2)}) | equity ${money(s.startEquityUsd)} -> ${money(s.endEquityUsd)}`,
    `Halts: ${d.halts.length ? d.halts.map((h) => `${nyClock(h.time)} ${h.text}`).join("; ") : "none"}`,
    `Cutbacks: ${d.cutbacks.length ? d.cutbacks.map((c) => `${nyClock(c.time)} ${c.symbol} ${c.layer} x${c.factor.toFixed(2)} (${c.reason})`).join("; ") : "none"}`,
    `Caps that bound a size: ${d.caps.length ? d.caps.map((c) => `${c.n} x ${c.cap}`).join("; ") : "none"}`,
    ...(d.rejections.length ? [`Signals not taken: ${d.rejections.map((r) => `${r.n} x ${r.reason}`).join("; ")}`] : []),
    ...(d.configChanges.length ? [`Config changes: ${d.configChanges.map((c) => `${nyClock(c.time)} ${c.text}`).join("; ")}`] : []),
    periodLine("Week to date", d.weekToDate),
    periodLine("Month to date", d.monthToDate),
  ];
}

/** Terminal tables, one block per day. */
export function reviewText(days: readonly DayReview[], source: string): string {
  const out: string[] = [];
  for (const d of days) {
    out.push(`=== ${d.date} (${weekday(d.date)}) | ${source} ===`);
    if (d.trades.length === 0) out.push("No trades closed this day.");
    else {
      const t = new Table({ head: TRADE_HEAD, style: { head: [], border: [] } });
      d.trades.forEach((x, i) => t.push(tradeRow(x, i)));
      out.push(t.toString(), "Sizing (every factor and its reason; times are New York):");
      d.trades.forEach((x, i) => {
        out.push(`  #${i + 1} ${x.symbol} ${nyClock(x.entryTime)}`);
        if (x.sizing) out.push(...sizingLines(x.sizing));
        else out.push("    (no sizing decision in the journal for this trade)");
        x.adds.forEach((a, k) => out.push(`    add ${k + 1}:`, ...sizingLines(a, "      ")));
      });
    }
    out.push(...dayLines(d), "");
  }
  return out.join("\n");
}

/** The same review as Markdown (for notes, PRs, a trading diary). */
export function reviewMarkdown(days: readonly DayReview[], source: string): string {
  const cell = (s: string): string => s.replace(/\|/g, "\\|");
  const out: string[] = [];
  for (const d of days) {
    out.push(`## ${d.date} (${weekday(d.date)})`, "", `Source: \`${source}\``, "");
    if (d.trades.length === 0) out.push("No trades closed this day.", "");
    else {
      out.push(`| ${TRADE_HEAD.join(" | ")} |`, `|${TRADE_HEAD.map(() => "---").join("|")}|`);
      d.trades.forEach((x, i) => out.push(`| ${tradeRow(x, i).map(cell).join(" | ")} |`));
      out.push("", "**Sizing**", "");
      d.trades.forEach((x, i) => {
        out.push(`- #${i + 1} ${x.symbol}: \`${x.sizing?.summary ?? "no sizing decision recorded"}\``);
        const all = [x.sizing, ...x.adds].filter((s): s is ReviewSizing => s !== null);
        all.forEach((s, k) => {
          if (k > 0) out.push(`  - add ${k}: \`${s.summary}\``);
          for (const f of s.factors) out.push(`  - ${f.name} ${fmtFactor(f.name, f.factor)}: ${f.reason}`);
          out.push(`  - cap: ${s.cap ?? "none"}`);
        });
      });
      out.push("");
    }
    for (const l of dayLines(d)) out.push(`- ${l}`);
    out.push("");
  }
  return out.join("\n");
}
