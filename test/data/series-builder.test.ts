import { describe, expect, it } from "vitest";
import { RejectLog } from "../../src/core/bars.ts";
import { SeriesBuilder, barProblem } from "../../src/data/series-builder.ts";

describe("SeriesBuilder", () => {
  it("grows past its initial capacity and hands out exact-length columns", () => {
    const b = new SeriesBuilder("X", "x.csv", new RejectLog(), 16);
    for (let i = 0; i < 1000; i++) expect(b.add(i + 2, i * 60_000, 10, 11, 9, 10.5, i)).toBe(true);
    const s = b.build();
    expect(s.length).toBe(1000);
    for (const col of [s.tMs, s.open, s.high, s.low, s.close, s.volume]) expect(col.length).toBe(1000);
    expect(s.volume[999]).toBe(999);
    expect(() => b.build()).toThrow(/already built/);
  });

  it("gives each bad row exactly one reason, in a fixed order", () => {
    expect(barProblem(NaN, 1, 1, 1, 1, 1)).toBe("bad timestamp");
    expect(barProblem(0, Infinity, 1, 1, 1, 1)).toBe("non-finite open");
    expect(barProblem(0, 1, NaN, 1, 1, 1)).toBe("non-finite high");
    expect(barProblem(0, 1, 1, NaN, 1, 1)).toBe("non-finite low");
    expect(barProblem(0, 1, 1, 1, NaN, 1)).toBe("non-finite close");
    expect(barProblem(0, 1, 1, 1, 1, -Infinity)).toBe("non-finite volume");
    expect(barProblem(0, 0, 1, 1, 1, 1)).toBe("price <= 0");
    expect(barProblem(0, 1, 1, 2, 1, 1)).toBe("high < low");
    expect(barProblem(0, 3, 2, 1, 1, 1)).toBe("open > high");
    expect(barProblem(0, 1, 2, 1, 3, 1)).toBe("close > high");
    expect(barProblem(0, 0.5, 2, 1, 1, 1)).toBe("open < low");
    expect(barProblem(0, 1, 2, 1, 0.5, 1)).toBe("close < low");
    expect(barProblem(0, 1, 2, 1, 1, -1)).toBe("volume < 0");
    expect(barProblem(0, 1, 2, 1, 1, 0)).toBeNull();
  });

  it("drops duplicates and refuses earlier times without advancing the clock", () => {
    const rejects = new RejectLog();
    const b = new SeriesBuilder("X", "x.csv", rejects);
    b.add(2, 1000, 1, 1, 1, 1, 1);
    b.add(3, 1000, 1, 1, 1, 1, 2);
    b.add(4, 500, 1, 1, 1, 1, 3);
    b.add(5, 2000, 1, 1, 1, 1, Number.NaN);
    b.add(6, 1500, 1, 1, 1, 1, 4);
    const s = b.build();
    expect([...s.tMs]).toEqual([1000, 1500]);
    expect(rejects.samples.map((r) => [r.line, r.reason])).toEqual([
      [3, "duplicate timestamp"],
      [4, "out-of-order timestamp"],
      [5, "non-finite volume"],
    ]);
  });
});
