// Daemon figures for `npm run bench` (issue 4), one measure per process so RSS is its own:
//   latency N   bar frame off the socket -> order POST leaving, N symbols streaming, p50/p99
//   rss         daemon RSS after a replayed month (21 sessions) of 20 symbols at max speed
//   state       state.json write time after 0 .. 20,000 closed trades (must stay flat)
// Prints one JSON line.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { generateSeries } from "../src/data/generator.ts";
import { defaultConfig, parseConfig } from "../src/config/load.ts";
import { caughtUp, runLocal } from "../src/daemon/run-local.ts";
import { startExchange } from "../src/exchange/server.ts";
import { Daemon } from "../src/daemon/daemon.ts";
import { openBroker } from "../src/adapters/index.ts";
import { FileStateStore } from "../src/store/state-store.ts";
import type { OrderIntent } from "../src/core/types.ts";

const part = process.argv[2];
const tmp = (p: string): string => mkdtempSync(join(tmpdir(), p));
const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function latency(symbols: number): Promise<Record<string, number>> {
  // Looser thresholds than the defaults so 100 symbols make enough orders to measure.
  const config = parseConfig({ strategy: { minDayChangePct: -4 }, daemon: { reconnectInitialMs: 50 } });
  // Thirty sessions: enough orders (several hundred) that p99 is a percentile, not the slowest one or two.
  const series = generateSeries({ seed: 9, symbols, days: 30, selloffProb: 0.3 });
  const keyId = `bench-${randomBytes(4).toString("hex")}`;
  const secretKey = randomBytes(16).toString("hex");
  const ex = await startExchange({ keyId, secretKey, bars: series, speed: "max", initialCashUsd: 1e9, frictionPctRoundTrip: 0.125 });
  let frameAt = NaN;
  // Orders decided while the engine processed a bar, with the arrival time of that bar's frame.
  const barDriven = new Map<string, number>();
  let insideBar = false;
  const samples: number[] = [];
  const entries: number[] = [];
  // The bot's reaction: a frame that led to any order action, to its first request leaving (an
  // exit's cancel goes first; its replacement can only follow the broker's answer).
  const reactions: number[] = [];
  let frameActed = false;
  let frameReacted = false;
  const port = openBroker({
    kind: "alpaca", keyId, secretKey, baseUrl: ex.url,
    onRequest: (u: string, i?: RequestInit) => {
      // The POST leaves here; a bar-driven order is one posted before the next frame arrives.
      if (frameActed && !frameReacted && (i?.method === "POST" || i?.method === "DELETE") && /\/v2\/orders/.test(u)) {
        frameReacted = true;
        reactions.push(performance.now() - frameAt);
      }
      if (i?.method === "POST" && u.endsWith("/v2/orders")) {
        const coid = (JSON.parse(String(i.body)) as { client_order_id?: string }).client_order_id ?? "";
        const at = barDriven.get(coid);
        if (at !== undefined) (coid.endsWith(".entry") ? entries : samples).push(performance.now() - at);
      }
    },
  });
  const daemon = await Daemon.open({
    config, symbols: series.map((s) => s.symbol), stateDir: tmp("sw-bench-lat-"), log: pino({ level: "silent" }), port,
    stocksUrl: `${ex.wsUrl}/v2/iex`, tradingUrl: `${ex.wsUrl}/stream`, broker: "local", clock: { nowMs: () => ex.nowMs },
    secrets: [secretKey], newRunStartMs: series[0].tMs[0], resume: false,
    hooks: { barReceived: () => { if (Number.isNaN(frameAt)) frameAt = performance.now(); } },
  });
  await daemon.start();
  const onBar = daemon.engine.onBar.bind(daemon.engine);
  daemon.engine.onBar = (...a: Parameters<typeof onBar>) => {
    insideBar = true;
    try {
      onBar(...a);
    } finally {
      insideBar = false;
    }
  };
  const submit = daemon.venue.submit.bind(daemon.venue);
  daemon.venue.submit = (i) => {
    if (insideBar) {
      barDriven.set(i.clientOrderId, frameAt);
      frameActed = true;
    }
    return submit(i);
  };
  const cancel = daemon.venue.cancel.bind(daemon.venue);
  daemon.venue.cancel = (id) => {
    if (insideBar) frameActed = true;
    return cancel(id);
  };
  let minutes = 0;
  while (!ex.done) {
    frameAt = NaN;
    frameActed = false;
    frameReacted = false;
    ex.stepBars(1);
    minutes++;
    await caughtUp(daemon, ex);
  }
  await daemon.stop("bench", true);
  await ex.close();
  const all = [...entries, ...samples];
  return {
    symbols, minutes, posts: all.length, p50Ms: pct(all, 0.5), p99Ms: pct(all, 0.99),
    entryPosts: entries.length, entryP50Ms: pct(entries, 0.5), entryP99Ms: pct(entries, 0.99),
    // Exits on a bar (time stop, flatten, stop moves) queue behind the cancels of the orders they replace.
    exitPosts: samples.length, exitP50Ms: pct(samples, 0.5), exitP99Ms: pct(samples, 0.99),
    reactionFrames: reactions.length, reactionP50Ms: pct(reactions, 0.5), reactionP99Ms: pct(reactions, 0.99),
  };
}

async function rss(): Promise<Record<string, number>> {
  const series = generateSeries({ seed: 42, symbols: 20, days: 21 });
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(process.memoryUsage().rss), 100);
  const t0 = performance.now();
  const r = await runLocal({ config: defaultConfig(), series, stateDir: tmp("sw-bench-rss-"), log: pino({ level: "silent" }) });
  clearInterval(timer);
  const mb = (b: number): number => b / (1 << 20);
  return { minutes: r.minutes, bars: r.bars, trades: r.trades.length, seconds: (performance.now() - t0) / 1000, rssEndMb: mb(process.memoryUsage().rss), rssPeakMb: mb(Math.max(...samples)) };
}

async function stateWrites(): Promise<Record<string, number>> {
  const { store } = await FileStateStore.open(tmp("sw-bench-state-"));
  const out: Record<string, number> = {};
  let trades = 0;
  for (const target of [0, 1_000, 5_000, 20_000]) {
    for (; trades < target; trades++) {
      const id = `bear-trap.SYM${trades % 50}.${trades}.entry`;
      const intent: OrderIntent = { clientOrderId: id, symbol: "SYM", symId: 0, side: "buy", type: "market", qtyShares: 100, purpose: "entry" };
      store.recordIntent(id, intent);
      store.markSubmitted(id);
      store.markAcknowledged(id, `b${trades}`);
      store.markOrderStatus(id, "filled");
    }
    await store.commit();
    const times: number[] = [];
    for (let k = 0; k < 50; k++) {
      store.setLastBarTime("SYM", k);
      const t0 = performance.now();
      await store.commit();
      times.push(performance.now() - t0);
    }
    out[`writeMsAfter${target}`] = pct(times, 0.5);
  }
  return out;
}

const result = part === "latency" ? await latency(Number(process.argv[3] ?? 100)) : part === "rss" ? await rss() : await stateWrites();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
