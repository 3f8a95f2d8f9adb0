import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OrderIntent } from "../../src/core/types.ts";
import type { OpenPosition } from "../../src/store/state-store.ts";

export function tempDir(prefix = "sizewise-store-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function intent(id: string, over: Partial<OrderIntent> = {}): OrderIntent {
  return { clientOrderId: id, symbol: "AAPL", symId: 0, side: "buy", type: "limit", qtyShares: 100, limitPriceUsd: 101.5, purpose: "entry", ...over };
}

export function position(id: string, over: Partial<OpenPosition> = {}): OpenPosition {
  return {
    id,
    symbol: "AAPL",
    strategyId: "bear-trap",
    template: "pyramid-2",
    stage: 1,
    qtyShares: 100,
    entries: [{ timeMs: 1_700_000_000_000, qtyShares: 100, priceUsd: 101.5, reason: "entry" }],
    exits: [],
    stopUsd: 99.25,
    targets: [{ priceUsd: 104, label: "tp1", done: false }],
    nextAdd: null,
    orderIds: [`${id}-stop`, `${id}-tp1`],
    closing: false,
    ...over,
  };
}

/** A clock that advances 1 s per call, so timestamps are distinct and deterministic. */
export function steppingClock(startMs = Date.UTC(2026, 0, 5, 15, 0, 0)): () => number {
  let t = startMs;
  return () => (t += 1000);
}
