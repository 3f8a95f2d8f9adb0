import { describe, expect, it } from "vitest";
import { generatedSource, generateSeries } from "../../src/data/generator.ts";
import { MinuteCursor } from "../../src/exchange/replay.ts";
import type { MinuteBars } from "../../src/exchange/replay.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { series } from "./helpers.ts";

function drain(c: MinuteCursor): MinuteBars[] {
  const out: MinuteBars[] = [];
  for (let m = c.next(); m; m = c.next()) out.push(m);
  return out;
}

describe("MinuteCursor", () => {
  it("groups a pull-based source by minute exactly like in-memory series, across batch boundaries", () => {
    const opts = { seed: 3, symbols: ["AAA", "BBB", "CCC"], days: 1 };
    const fromSeries = drain(new MinuteCursor(generateSeries(opts)));
    const fromSource = drain(new MinuteCursor(generatedSource({ ...opts, batchSize: 7 })));
    expect(fromSource).toEqual(fromSeries);
    expect(fromSeries.length).toBeGreaterThan(300);
    for (let i = 1; i < fromSeries.length; i++) expect(fromSeries[i].tMs).toBeGreaterThan(fromSeries[i - 1].tMs);
  });
});

describe("replay speed", () => {
  it("advances one bar-minute every 60000/N ms at a numeric speed", async () => {
    const ex = await startExchange({
      keyId: "k", secretKey: "s", speed: 60_000 / 20, initialCashUsd: 1000, frictionPctRoundTrip: 0,
      bars: [series("ABC", [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]])],
    });
    try {
      const t0 = Date.now();
      await ex.play();
      expect(ex.done).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(55); // three minutes at 20 ms each
    } finally {
      await ex.close();
    }
  });
});
