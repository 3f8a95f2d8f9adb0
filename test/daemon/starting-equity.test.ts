import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { startExchange } from "../../src/exchange/server.ts";
import { createAlpacaClient } from "../../src/adapters/alpaca/client.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { caughtUp } from "../../src/daemon/run-local.ts";
import { crashScenario } from "./fixtures/scenario.ts";

describe("the account's own equity is the base of drawdown and loss limits", () => {
  it("a $25,000 account under a config written for $100,000 is not in a 75% drawdown: it trades", async () => {
    const { config, series } = crashScenario();
    expect(config.execution.initialEquityUsd).toBe(100_000);
    const keyId = "PKSTARTEQUITY";
    const secretKey = "start-equity-secret";
    const ex = await startExchange({ keyId, secretKey, bars: series, speed: "max", initialCashUsd: 25_000, frictionPctRoundTrip: 0 });
    const daemon = await Daemon.open({
      config,
      symbols: series.map((s) => s.symbol),
      stateDir: mkdtempSync(join(tmpdir(), "sw-equity-")),
      log: pino({ level: "silent" }),
      alpaca: createAlpacaClient({ keyId, secretKey, baseUrl: ex.url }),
      stocksUrl: `${ex.wsUrl}/v2/iex`,
      tradingUrl: `${ex.wsUrl}/stream`,
      broker: "local",
      clock: { nowMs: () => ex.nowMs },
      secrets: [secretKey],
      newRunStartMs: series[0].tMs[0],
      resume: false,
      executionMinuteFromId: true,
    });
    await daemon.start();
    while (!ex.done) {
      ex.stepBars(1);
      await caughtUp(daemon, ex);
    }
    const status = daemon.engine.dayStatus();
    const result = await daemon.stop("test over", true);
    await ex.close();
    expect(result.trades.length).toBeGreaterThan(0);
    expect(status.highWaterUsd).toBeLessThan(30_000);
    for (const t of result.trades) expect(t.sizing.equityUsd).toBeLessThan(30_000);
  }, 120_000);
});
