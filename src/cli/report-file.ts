import { writeFileSync } from "node:fs";
import type { Comparison } from "../backtest/compare.ts";
import type { Config } from "../config/schema.ts";
import type { BarSeries } from "../core/bars.ts";
import type { ReportTable } from "../report/report-tables.ts";
import { renderReport } from "../report/html.ts";
import { comparisonReport } from "../report/report-data.ts";

/**
 * Writes the HTML report of a comparison (compare --report; walkforward can pass its stitched
 * out-of-sample comparison): one run per sizing mode, the same charts as `sizewise report`; with the
 * bars, a chart of every trade's session and a buy-and-hold benchmark; `tables` go on top (folds).
 */
export function writeComparisonReport(file: string, cmp: Comparison, config: Config, title: string, subtitle: string, notes: readonly string[] = [], series?: readonly BarSeries[], tables: readonly ReportTable[] = []): void {
  writeFileSync(file, renderReport(comparisonReport(cmp, config, title, subtitle, notes, series, tables)));
}
