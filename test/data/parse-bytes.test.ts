import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { daysFromCivil, parseDecimal, parseIsoUtcMs, parseIsoUtcMsString, scanDecimal, scanState } from "../../src/data/parse-bytes.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (s: string): number => parseDecimal(bytes(s), 0, s.length);
const ts = (s: string): number => parseIsoUtcMs(bytes(s), 0, s.length);

/** Decimal strings as CSV writers produce them: optional sign, digits, optional fraction. */
const decimalText = fc
  .tuple(
    fc.constantFrom("", "", "", "-", "+"),
    fc.stringMatching(/^[0-9]{1,12}$/),
    fc.option(fc.stringMatching(/^[0-9]{0,25}$/), { nil: undefined }),
  )
  .map(([sign, int, frac]) => (frac === undefined ? `${sign}${int}` : `${sign}${int}.${frac}`));

describe("parseDecimal", () => {
  it("is bit-identical to parseFloat on generated decimal text (fast path and fallbacks)", () => {
    fc.assert(
      fc.property(decimalText, (s) => {
        expect(Object.is(dec(s), Number.parseFloat(s))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it("is bit-identical to parseFloat on the shortest text of random doubles", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }), (x) => {
        const s = String(x);
        expect(Object.is(dec(s), Number.parseFloat(s))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it("handles exponents, long mantissas and rounding edges through the fallback", () => {
    for (const s of ["1e5", "2.5E-3", "-0.0", "0", "9007199254740993", "0.1000000000000000055511151231257827", "123456789012.34567", "1.7976931348623157e308", "5e-324", "3.", ".5"]) {
      expect(Object.is(dec(s), Number.parseFloat(s)), s).toBe(true);
    }
  });

  it("returns NaN for anything that is not a plain decimal", () => {
    for (const s of ["", "-", ".", "abc", "1.2.3", "12abc", "NaN", "Infinity", "0x10", "1,5", " "]) expect(dec(s), s).toBeNaN();
    expect(dec(" 7.5 ")).toBe(7.5);
    expect(dec('"7.5"')).toBe(7.5);
  });

  it("scanDecimal stops at the first byte that cannot continue a number", () => {
    const b = bytes("12.5,7");
    expect(scanDecimal(b, 0, b.length)).toBe(12.5);
    expect(scanState.end).toBe(4);
    expect(scanDecimal(b, 5, b.length)).toBe(7);
    expect(scanState.end).toBe(6);
  });
});

describe("parseIsoUtcMs", () => {
  const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) });

  it("equals Date.parse for generated timestamps in every accepted spelling", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom("Z", "+00:00", "z"), fc.integer({ min: 0, max: 6 }), fc.constantFrom("T", " "), (t, zone, fracDigits, sep) => {
        const iso = new Date(t).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
        const frac = fracDigits === 0 ? "" : `.${(iso.slice(20, 23) + "987").slice(0, fracDigits)}`;
        const s = `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}${frac}${zone}`;
        expect(ts(s)).toBe(Date.parse(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it("applies numeric offsets like Date.parse", () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), (t, off) => {
        const sign = off < 0 ? "-" : "+";
        const a = Math.abs(off);
        const s = `${new Date(t).toISOString().slice(0, 19)}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
        expect(ts(s)).toBe(Date.parse(s));
      }),
      { numRuns: 5_000 },
    );
  });

  it("refuses impossible or malformed timestamps instead of rolling them over", () => {
    for (const s of [
      "2024-02-30T08:00:00Z",
      "2023-02-29T08:00:00Z",
      "2024-13-01T08:00:00Z",
      "2024-04-00T08:00:00Z",
      "2024-04-01T24:00:00Z",
      "2024-04-01T23:60:00Z",
      "2024-04-01T23:59:60Z",
      "2024-04-01T08:00:00",
      "2024-04-01T08:00Z",
      "2024-04-01T08:00:00.Z",
      "2024-04-01T08:00:00+0000",
      "2024-04-01T08:00:00Zjunk",
      "2024-4-01T08:00:00Z",
      "20x4-04-01T08:00:00Z",
      "",
      "not a time at all, really",
    ]) {
      expect(ts(s), s).toBeNaN();
    }
    expect(ts("2024-02-29T08:00:00Z")).toBe(Date.UTC(2024, 1, 29, 8));
    expect(ts("2000-02-29T00:00:00Z")).toBe(Date.UTC(2000, 1, 29));
  });

  it("string variant matches and ignores leftovers of earlier, longer inputs", () => {
    expect(parseIsoUtcMsString("2024-04-01T08:03:00.000Z")).toBe(Date.UTC(2024, 3, 1, 8, 3));
    expect(parseIsoUtcMsString("2024-04-01T08:03:00")).toBeNaN();
    expect(parseIsoUtcMsString("x".repeat(100))).toBeNaN();
  });

  it("daysFromCivil agrees with Date.UTC", () => {
    fc.assert(
      fc.property(fc.integer({ min: -50_000, max: 200_000 }), (day) => {
        const d = new Date(day * 86_400_000);
        expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(day);
      }),
      { numRuns: 5_000 },
    );
  });
});
