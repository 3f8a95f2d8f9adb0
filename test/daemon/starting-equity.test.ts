import { describe, expect, it } from "vitest";
import { crashScenario } from "./fixtures/scenario.ts";
import { lockStepDaemon } from "./fixtures/lock-step.ts";

describe("the account's own equity is the base of drawdown and loss limits", () => {
  it("a $25,000 account under a config written for $100,000 is not in a 75% drawdown: it trades", async () => {
    const { config, series } = crashScenario();
    expect(config.execution.initialEquityUsd).toBe(100_000);
    const { ex, daemon, runToEnd } = await lockStepDaemon({ config, series, initialCashUsd: 25_000 });
    await runToEnd();
    const status = daemon.engine.dayStatus();
    const result = await daemon.stop("test over", true);
    await ex.close();
    expect(result.trades.length).toBeGreaterThan(0);
    expect(status.highWaterUsd).toBeLessThan(30_000);
    for (const t of result.trades) expect(t.sizing.equityUsd).toBeLessThan(30_000);
  }, 120_000);
});
