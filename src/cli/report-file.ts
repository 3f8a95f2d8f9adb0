import { writeFileSync } from "node:fs";
import type { Comparison } from "../backtest/compare.ts";
import type { Config } from "../config/schema.ts";
import { renderReport } from "../report/html.ts";
import { comparisonReport } from "../report/report-data.ts";

/**
 * Writes the HTML report of a comparison (compare --report; walkforward can pass its stitched
 * out-of-sample comparison): one run per sizing mode, the same charts as `sizewise report`.
 */
export function writeComparisonReport(file: string, cmp: Comparison, config: Config, title: string, subtitle: string, notes: readonly string[] = []): void {
  writeFileSync(file, renderReport(comparisonReport(cmp, config, title, subtitle, notes)));
}
