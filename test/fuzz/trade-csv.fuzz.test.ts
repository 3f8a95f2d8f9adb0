import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseDateTime, parseMoney, parseTradeCsv } from "../../src/whatif/trade-csv.ts";

/**
 * The trade-list importer of `sizewise replay --trades` on bad input: any text, real exports with
 * cells replaced by garbage, unicode, cut files, huge cells. It answers with trades and rejected
 * rows (each with its line and why) or refuses the whole file with a sentence; nothing else.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 200), seed: Number(process.env.FUZZ_SEED ?? 9) };
const HEADER = ["Date Opened", "Time Opened", "Date Closed", "Time Closed", "Symbol", "Strategy", "P/L", "Margin Req.", "No. of Contracts"];

function validRow(i: number): string[] {
  const d = `2024-05-${String(1 + (i % 28)).padStart(2, "0")}`;
  return [d, "10:31:00", d, "15:45:00", "SPX", i % 2 ? "put spread" : "iron condor", `${i % 3 ? "" : "-"}$${(100 + i).toFixed(2)}`, "$1,000.00", String(1 + (i % 5))];
}
const csvCell = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csv = (rows: string[][]): string => rows.map((r) => r.map(csvCell).join(",")).join("\n");

/** The contract for any text: trades and named rejections, or a whole-file refusal in words. */
function outcome(text: string) {
  try {
    const r = parseTradeCsv(text);
    for (const t of r.trades) {
      expect(Number.isFinite(t.openedMs) && Number.isFinite(t.closedMs)).toBe(true);
      expect(t.closedMs).toBeGreaterThanOrEqual(t.openedMs);
      expect(t.pnlUsd === null || Number.isFinite(t.pnlUsd)).toBe(true);
      expect(t.r === null || Number.isFinite(t.r)).toBe(true);
      expect(t.pnlUsd !== null || t.r !== null).toBe(true);
      expect(t.contracts === null || t.contracts > 0).toBe(true);
      expect(t.marginUsd === null || t.marginUsd >= 0).toBe(true);
      expect(t.line).toBeGreaterThanOrEqual(2);
    }
    for (const x of r.rejected) {
      expect(x.line).toBeGreaterThanOrEqual(2);
      expect(x.reason.length).toBeGreaterThan(0);
    }
    return r;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).constructor).toBe(Error);
    expect((e as Error).message).toMatch(/^(the file is empty|the header lacks )/);
    return null;
  }
}

const garbage = fc.oneof(
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("", " ", "NaN", "1e999", "-", "$", "()", "(12)", "$1,2,3", "2024-02-30", "13/45/2024", "2024-05-13T25:00", "💥", "\u0000", '"', ",", "\n", "１２３", "-0", "Infinity"),
);

describe("fuzz: the trade-list importer", () => {
  it("any text: trades and named rejections, or the whole file refused in words", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => void outcome(s)), RUNS);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => void outcome(`${HEADER.join(",")}\n${s}`)), RUNS);
  });

  it("a real export with cells replaced by anything: every row is a trade or a rejection with its line", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.tuple(fc.nat(), fc.nat(HEADER.length - 1), garbage), { maxLength: 12 }), (n, edits) => {
        const rows = Array.from({ length: n }, (_, i) => validRow(i));
        for (const [r, c, v] of edits) rows[r % n][c] = v;
        const r = outcome(csv([HEADER, ...rows]));
        expect(r).not.toBeNull();
        // Quoting keeps every row one record, so each is accounted for (blank rows are skipped by design).
        const blank = rows.filter((row) => row.every((x) => x.trim() === "")).length;
        expect(r!.trades.length + r!.rejected.length).toBe(n - blank);
        const lines = new Set([...r!.trades.map((t) => t.line), ...r!.rejected.map((x) => x.line)]);
        expect(lines.size).toBe(n - blank);
      }),
      RUNS,
    );
  });

  it("cut, unterminated quotes and huge cells: still an answer", () => {
    const text = csv([HEADER, ...Array.from({ length: 20 }, (_, i) => validRow(i))]);
    fc.assert(fc.property(fc.nat(text.length), (k) => void outcome(text.slice(0, k))), RUNS);
    expect(outcome(`${text}\n"2024-05-01,10:00`)!.rejected.at(-1)?.reason).toMatch(/fields like the header/);
    const huge = outcome(`${HEADER.join(",")}\n2024-05-01,10:31,2024-05-01,15:45,SPX,x,${"9".repeat(1_000_000)},1,1`);
    expect(huge!.rejected).toHaveLength(1);
    expect(outcome("\ufeff" + text)!.trades).toHaveLength(20);
  });

  it("money and dates: only what they say, nothing invented", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 24 }), (s) => {
        const m = parseMoney(s);
        expect(Number.isNaN(m) || Number.isFinite(m) || Math.abs(m) === Infinity).toBe(true);
        const d = parseDateTime(s);
        expect(Number.isNaN(d) || Number.isFinite(d)).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), (x) => {
        expect(parseMoney(String(x)) === x).toBe(true);
      }),
      RUNS,
    );
  });
});
