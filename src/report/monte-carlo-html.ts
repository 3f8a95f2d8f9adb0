import { formatUsd } from "./format.ts";
import type { McResult, McRuleResult } from "../whatif/monte-carlo.ts";

/**
 * The Monte Carlo of sizing rules as one self-contained HTML page: per resampling method, a table
 * of percentiles and, per rule, histograms of ending equity and maximum drawdown drawn as inline
 * SVG on the server (no script, no network), with the named drawdown marked.
 */

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
const usd = (x: number): string => formatUsd(x, 0);
const pct = (x: number, d = 1): string => `${x.toFixed(d)}%`;

const W = 360;
const H = 150;
const PAD = 28;

/** Counts of `xs` in `bins` equal bins over [lo, hi]. */
export function histogram(xs: readonly number[], lo: number, hi: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  const width = hi > lo ? (hi - lo) / bins : 1;
  for (const x of xs) out[Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)))]++;
  return out;
}

function histSvg(title: string, xs: readonly number[], lo: number, hi: number, fmt: (x: number) => string, mark: number | null): string {
  const bins = 30;
  const counts = histogram(xs, lo, hi, bins);
  const max = Math.max(1, ...counts);
  const bw = (W - 2 * PAD) / bins;
  const x = (v: number): number => PAD + ((v - lo) / (hi > lo ? hi - lo : 1)) * (W - 2 * PAD);
  const bars = counts.map((c, i) => `<rect x="${(PAD + i * bw).toFixed(1)}" y="${(H - PAD - (c / max) * (H - 2 * PAD)).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${((c / max) * (H - 2 * PAD)).toFixed(1)}" fill="#4a78b5"><title>${c} runs</title></rect>`).join("");
  const markLine = mark !== null && mark >= lo && mark <= hi ? `<line x1="${x(mark).toFixed(1)}" x2="${x(mark).toFixed(1)}" y1="${PAD - 6}" y2="${H - PAD}" stroke="#c8372d" stroke-dasharray="4 3"/><text x="${x(mark).toFixed(1)}" y="${PAD - 9}" font-size="10" text-anchor="middle" fill="#c8372d">${esc(fmt(mark))}</text>` : "";
  return `<svg class="hist" data-bars="${bins}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><text x="${PAD}" y="14" font-size="12" font-weight="600">${esc(title)}</text>${bars}${markLine}<line x1="${PAD}" x2="${W - PAD}" y1="${H - PAD}" y2="${H - PAD}" stroke="#999"/><text x="${PAD}" y="${H - 10}" font-size="10">${esc(fmt(lo))}</text><text x="${W - PAD}" y="${H - 10}" font-size="10" text-anchor="end">${esc(fmt(hi))}</text></svg>`;
}

function ruleRow(r: McRuleResult): string {
  const e = r.endingEquityUsd;
  const d = r.maxDrawdownPct;
  return `<tr><td>${esc(r.rule)}</td><td>${usd(e.p5)}</td><td>${usd(e.p25)}</td><td>${usd(e.p50)}</td><td>${usd(e.p75)}</td><td>${usd(e.p95)}</td><td>${pct(d.p50)}</td><td>${pct(d.p95)}</td><td>${pct(r.probDrawdown * 100)}</td><td>${pct(r.probRuin * 100)}</td></tr>`;
}

const TITLES: Record<McResult["method"], string> = {
  days: "Day-block bootstrap (the intervals)",
  shuffle: "Shuffle: the same trades in random orders",
  bootstrap: "Bootstrap: trades drawn with replacement",
};

function section(r: McResult): string {
  // One scale per method, shared by every rule, so the histograms compare at a glance.
  const allE = r.rules.flatMap((x) => x.endings);
  const allD = r.rules.flatMap((x) => x.drawdowns);
  const eLo = Math.min(...allE);
  const eHi = Math.max(...allE);
  const dHi = Math.max(r.drawdownPct, ...allD);
  const charts = r.rules
    .map((x) => `<div class="rule"><h3>${esc(x.rule)}</h3>${histSvg("ending equity", x.endings, eLo, eHi, usd, null)}${histSvg("max drawdown", x.drawdowns, 0, dHi, (v) => pct(v, 0), r.drawdownPct)}</div>`)
    .join("\n");
  return `<section data-method="${r.method}"><h2>${esc(TITLES[r.method])}</h2>
<p>${r.runs} runs, seed ${r.seed}, ${r.trades} trades${r.meanBlockDays ? `, mean block ${r.meanBlockDays} days` : ""}. The dashed line is the named drawdown (${pct(r.drawdownPct, 0)}).</p>
<table><thead><tr><th>rule</th><th>ending p5</th><th>p25</th><th>p50</th><th>p75</th><th>p95</th><th>max DD p50</th><th>p95</th><th>P(DD &gt;= ${pct(r.drawdownPct, 0)})</th><th>P(ruin)</th></tr></thead><tbody>${r.rules.map(ruleRow).join("")}</tbody></table>
<div class="rules">${charts}</div></section>`;
}

/** The page for `file`'s trades, one section per resampling method run. */
export function monteCarloHtml(file: string, results: readonly McResult[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sizewise replay: Monte Carlo of sizing rules</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:20px;color:#1d2733}table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px solid #e3e7ec;text-align:right}th:first-child,td:first-child{text-align:left}.rules{display:flex;flex-wrap:wrap;gap:12px}.rule{background:#f7f9fb;border-radius:8px;padding:6px}.rule h3{margin:2px 0;font-size:14px}</style>
</head><body><h1>Monte Carlo of sizing rules</h1><p>Trades: ${esc(file)}. Every rule is replayed on the same resampled sequences, one trade at a time.</p>
${results.map(section).join("\n")}
</body></html>
`;
}
