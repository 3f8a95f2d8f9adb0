import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { Alpaca } from "@alpacahq/alpaca-trade-api";
import { startExchange } from "../../src/exchange/server.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { caughtUp } from "../../src/daemon/run-local.ts";
import { crashScenario } from "./fixtures/scenario.ts";

/**
 * Latency by construction: the SDK hands a frame's bars over in one loop, and an order's POST
 * leaves only after promise turns inside the SDK. Once a bar has sent an order, the frame's
 * remaining bars must wait until that POST has left, not the other way round.
 */
describe("an order decided inside a frame leaves before the rest of the frame is processed", () => {
  it("no bar of the same frame reaches the engine between an entry's decision and its POST", async () => {
    const { config, series } = crashScenario();
    const keyId = "PKPOSTFIRST";
    const secretKey = "post-first-secret-value";
    const ex = await startExchange({ keyId, secretKey, bars: series, speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    const log: string[] = [];
    const alpaca = new Alpaca({
      keyId,
      secret: secretKey,
      paper: true,
      retry: false,
      rateLimit: false,
      fetchApi: (u: string, i?: RequestInit) => {
        if (i?.method === "POST" && u.endsWith("/v2/orders")) log.push(`POST ${(JSON.parse(String(i.body)) as { client_order_id: string }).client_order_id}`);
        return fetch(u.replace(/^https:\/\/(paper-api|data)\.alpaca\.markets/, ex.url), i);
      },
    } as ConstructorParameters<typeof Alpaca>[0]);
    const daemon = await Daemon.open({
      config,
      symbols: series.map((s) => s.symbol),
      stateDir: mkdtempSync(join(tmpdir(), "sw-post-first-")),
      log: pino({ level: "silent" }),
      alpaca,
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
    const onBar = daemon.engine.onBar.bind(daemon.engine);
    daemon.engine.onBar = (...a: Parameters<typeof onBar>) => {
      log.push("bar");
      onBar(...a);
    };
    const submit = daemon.venue.submit.bind(daemon.venue);
    daemon.venue.submit = (i) => {
      if (i.purpose === "entry") log.push(`decide ${i.clientOrderId}`);
      return submit(i);
    };
    while (!ex.done) {
      ex.stepBars(1);
      await caughtUp(daemon, ex);
    }
    await daemon.stop("test over", true);
    await ex.close();
    const decisions = log.flatMap((l, k) => (l.startsWith("decide ") ? [k] : []));
    expect(decisions.length).toBeGreaterThan(3);
    for (const k of decisions) {
      const coid = log[k].slice("decide ".length);
      const post = log.indexOf(`POST ${coid}`, k);
      expect(post, coid).toBeGreaterThan(k);
      expect(log.slice(k + 1, post).filter((l) => l === "bar"), `bars processed between ${coid}'s decision and its POST`).toEqual([]);
    }
  }, 120_000);
});
