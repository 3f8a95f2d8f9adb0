import { describe, expect, it } from "vitest";
import { Alpaca } from "@alpacahq/alpaca-trade-api";
import { crashScenario } from "./fixtures/scenario.ts";
import { KEY, lockStepDaemon, SECRET } from "./fixtures/lock-step.ts";
import { fetchTo } from "../../src/adapters/alpaca/client.ts";

/**
 * Latency by construction: the SDK hands a frame's bars over in one loop, and an order's POST
 * leaves only after promise turns inside the SDK. Once a bar has sent an order, the frame's
 * remaining bars must wait until that POST has left, not the other way round.
 */
describe("an order decided inside a frame leaves before the rest of the frame is processed", () => {
  it("no bar of the same frame reaches the engine between an entry's decision and its POST", async () => {
    const { config, series } = crashScenario();
    const log: string[] = [];
    const { ex, daemon, runToEnd } = await lockStepDaemon({
      config,
      series,
      alpaca: (exchange) => {
        const toExchange = fetchTo(exchange.url);
        return new Alpaca({
          keyId: KEY,
          secret: SECRET,
          paper: true,
          retry: false,
          rateLimit: false,
          fetchApi: (u: string, i?: RequestInit) => {
            if (i?.method === "POST" && u.endsWith("/v2/orders")) log.push(`POST ${(JSON.parse(String(i.body)) as { client_order_id: string }).client_order_id}`);
            return toExchange(u, i);
          },
        } as ConstructorParameters<typeof Alpaca>[0]);
      },
    });
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
    await runToEnd();
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
