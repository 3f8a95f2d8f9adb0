import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { ALPACA_CSV_HEADER, seriesToAlpacaCsv, writeAlpacaCsv } from "../../src/data/csv-writer.ts";
import { generateSeries } from "../../src/data/generator.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const realFile = join(resolve(repoRoot, "../shared/data"), "bars/1min/2024q2/AMC.csv.gz");
/** One Alpaca 1-minute row: ISO UTC with milliseconds, plain decimals, integer volume and count. */
const ROW = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,(\d+(\.\d+)?,){4}\d+,\d+,\d+(\.\d{1,6})?$/;

describe("Alpaca CSV writer", () => {
  const [series] = generateSeries({ seed: 3, symbols: 1, days: 3, extendedHours: true, startDay: "2024-03-08" });
  const text = seriesToAlpacaCsv(series);
  const lines = text.split("\n");
  const dir = mkdtempSync(join(tmpdir(), "sizewise-csv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the header, one well-formed row per bar and a final newline", () => {
    expect(lines[0]).toBe(ALPACA_CSV_HEADER);
    expect(lines.at(-1)).toBe("");
    expect(lines.length).toBe(series.length + 2);
    for (const l of lines.slice(1, -1)) if (!ROW.test(l)) expect.fail(`bad row: ${l}`);
  });

  it("round-trips every value, with a trade count and VWAP that make sense", () => {
    lines.slice(1, -1).forEach((l, i) => {
      const f = l.split(",");
      const got = [Date.parse(f[0]), ...f.slice(1, 6).map(Number)];
      const want = [series.tMs[i], series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]];
      if (got.some((x, k) => x !== want[k])) expect.fail(`row ${i}: ${l}`);
      expect(f[0]).toBe(new Date(series.tMs[i]).toISOString());
      const trades = Number(f[6]);
      const vwap = Number(f[7]);
      if (!(trades >= 1 && trades <= series.volume[i] && vwap >= series.low[i] && vwap <= series.high[i])) expect.fail(`row ${i}: ${l}`);
    });
  });

  it.each([true, false])("writes the same text to disk (gzip %s)", async (gzip) => {
    const path = join(dir, `X.csv${gzip ? ".gz" : ""}`);
    await writeAlpacaCsv(series, path, { gzip });
    const raw = readFileSync(path);
    expect((gzip ? gunzipSync(raw) : raw).toString("utf8")).toBe(text);
  });

  it("streams large series in bounded chunks (more rows than one chunk)", async () => {
    const [big] = generateSeries({ seed: 4, symbols: 1, days: 120 });
    const path = join(dir, "BIG.csv.gz");
    await writeAlpacaCsv(big, path);
    expect(gunzipSync(readFileSync(path)).toString("utf8")).toBe(seriesToAlpacaCsv(big));
  });

  it.skipIf(!existsSync(realFile))("matches the format of the shared Alpaca data", () => {
    const real = gunzipSync(readFileSync(realFile)).toString("utf8").split("\n");
    expect(real[0]).toBe(ALPACA_CSV_HEADER);
    expect(real.at(-1)).toBe("");
    for (const l of real.slice(1, 2000)) if (!ROW.test(l)) expect.fail(`real row does not match: ${l}`);
  });
});
