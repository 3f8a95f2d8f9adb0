import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ReportData } from "./report-data.ts";

/**
 * One self-contained HTML file: the data as JSON in the page, drawn into inline SVG by a small
 * script in the page, and each trade's session as a candlestick chart by TradingView's
 * lightweight-charts (inlined). No network, no CDN: it opens from a disk, a mail attachment, an archive.
 * Each chart, once drawn, carries data-drawn="<marks drawn>" and the body data-charts-drawn, so a
 * headless browser can check that the charts really drew.
 */

const CLIENT_JS = readFileSync(new URL("./report-client.js", import.meta.url), "utf8");
const TRADE_JS = readFileSync(new URL("./report-trade-client.js", import.meta.url), "utf8");

let lwc: string | null = null;
/**
 * TradingView's lightweight-charts standalone build (it defines window.LightweightCharts), read
 * from node_modules when a report is written, never fetched: the page must open offline.
 */
function lightweightChartsJs(): string {
  if (lwc === null) {
    const pkg = createRequire(import.meta.url).resolve("lightweight-charts/package.json");
    // "</script" would end the inline script early; the build has none today, this keeps it so.
    lwc = readFileSync(join(dirname(pkg), "dist/lightweight-charts.standalone.production.js"), "utf8").replace(/<\/script/gi, "<\\/script");
  }
  return lwc;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** JSON that is safe inside <script>: no "</script>", no "<!--", no line separators that break JS. */
function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const CHARTS: readonly { id: string; title: string; help: string }[] = [
  { id: "equity", title: "Equity curve", help: "End-of-day equity of each run." },
  { id: "drawdown", title: "Drawdown", help: "Fall from the running equity peak, % (end of day)." },
  { id: "pnl", title: "P/L by day", help: "Realised and marked P/L of each trading day (selected run)." },
  { id: "sizes", title: "Size distribution", help: "Share of trades by risk taken at entry, % of equity (entry and adds)." },
  { id: "winrate", title: "Win rate by size bracket", help: "Do bigger sizes win more often? Bars without trades are left out." },
  { id: "kelly", title: "Kelly: predicted vs realised edge", help: "Edge the Kelly layer saw before each trade (W x B - (1 - W), shrunk toward the prior, in units of the average loss) against the realised mean R of the last trades." },
  { id: "calibration", title: "Confidence calibration", help: "Predicted win probability against the observed win rate per bucket; on the diagonal is calibrated. Dot size: trades." },
  { id: "rl-epsilon", title: "RL exploration (epsilon)", help: "Exploration rate as the Q-table learns from closed trades." },
  { id: "rl-states", title: "RL Q-table size", help: "States with at least one update." },
  { id: "rl-policy", title: "RL learned multipliers per state", help: "Greedy size multiplier per state (n = times that multiplier was tried there)." },
];

/** The report as one HTML document. */
export function renderReport(data: ReportData): string {
  const figures = CHARTS.map(
    (c) => `<figure class="chart" id="chart-${c.id}" data-chart="${c.id}"><figcaption><b>${escapeHtml(c.title)}</b><span>${escapeHtml(c.help)}</span></figcaption><div class="legend"></div><svg role="img" aria-label="${escapeHtml(c.title)}"></svg></figure>`,
  ).join("\n");
  // The last run is selected first: in a comparison it is the fullest mode, with every layer to show.
  const runOptions = data.runs.map((r, i) => `<option value="${i}"${i === data.runs.length - 1 ? " selected" : ""}>${escapeHtml(r.name)}</option>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>
:root { --fg: #1d2733; --muted: #66727f; --grid: #e3e7ec; --bg: #ffffff; --card: #f7f9fb; --up: #1a8f4c; --down: #c8372d; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 18px 24px 8px; border-bottom: 1px solid var(--grid); }
header h1 { margin: 0 0 2px; font-size: 20px; }
header p { margin: 0; color: var(--muted); }
main { padding: 12px 24px 32px; }
.controls { margin: 10px 0; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--grid); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: var(--card); font-weight: 600; position: sticky; top: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px; margin-top: 12px; }
figure.chart { margin: 0; padding: 10px 12px; background: var(--card); border-radius: 8px; }
figcaption b { display: block; }
figcaption span { color: var(--muted); font-size: 12px; }
figure svg { width: 100%; height: 240px; display: block; }
.empty-line { color: var(--muted); margin: 6px 0; }
.scroll-x { overflow-x: auto; max-width: 100%; }
#trade-chart { min-height: 380px; background: #fff; border: 1px solid var(--grid); border-radius: 6px; }
.day-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 12px; }
figure.day-chart { margin: 0; padding: 6px; background: var(--card); border-radius: 8px; }
figure.day-chart figcaption { font-size: 12px; margin-bottom: 4px; }
.lwc { min-height: 260px; background: #fff; }
.chart-note { color: var(--muted); font-size: 12px; margin: 2px 0 0; }
.tables { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px; }
.table-card { background: var(--card); border-radius: 8px; padding: 8px 12px; overflow-x: auto; }
.table-card.wide { grid-column: 1 / -1; }
.table-card h3 { margin: 0 0 6px; font-size: 15px; }
tr.trade { cursor: pointer; } tr.trade:hover td { background: #eef4fb; }
.legend { font-size: 12px; color: var(--muted); min-height: 16px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; border-radius: 2px; }
.pos { color: var(--up); } .neg { color: var(--down); }
.trades { max-height: 520px; overflow: auto; margin-top: 8px; border: 1px solid var(--grid); border-radius: 6px; }
.trades td.sizing { text-align: left; color: var(--muted); font-size: 12px; white-space: pre; }
.notes { color: var(--muted); font-size: 12px; }
svg text { font-size: 11px; fill: var(--muted); }
</style>
</head>
<body data-charts-drawn="0">
<header><h1>${escapeHtml(data.title)}</h1><p>${escapeHtml(data.subtitle)} &middot; generated ${escapeHtml(data.generatedAt)}</p></header>
<main>
<section id="metrics"><h2>Key figures</h2><div id="metrics-table" class="scroll-x"></div></section>
<section><div id="page-tables" class="tables"></div></section>
<div class="controls">${data.runs.length > 1 ? `<label>Run shown in the per-run charts and the trade table: <select id="run">${runOptions}</select></label>` : ""}</div>
<section class="grid">
${figures}
</section>
<section><h2>Breakdown</h2><div id="run-tables" class="tables"></div></section>
<section><h2>Trade chart <small id="trade-chart-title"></small></h2><div id="trade-chart"></div>
<p class="notes">New York time. Markers: session low (purple dot), break (red square), reclaim candle (amber dot), entry and adds (green arrows), exits (blue arrows); dashed lines: stop (red), targets (green); dotted: the support that broke.</p></section>
<section><h2>Trades <small id="trade-count"></small></h2><div class="trades"><table id="trade-table"></table></div></section>
<section><h2>Trades of one day <select id="day-pick"></select></h2><div id="day-charts" class="day-grid"></div></section>
${data.notes.length ? `<section class="notes"><h3>Notes</h3><ul>${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></section>` : ""}
</main>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>
${lightweightChartsJs()}
</script>
<script>
${TRADE_JS}
</script>
<script>
${CLIENT_JS}
</script>
</body>
</html>
`;
}
