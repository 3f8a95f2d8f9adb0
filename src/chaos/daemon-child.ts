// One life of the daemon in the chaos run: a child process the driver SIGKILLs at will. It trades
// over the Alpaca protocol (the path Alpaca paper takes), answers the driver's lock-step questions
// over IPC, and on "stop" shuts down cleanly and writes the run's trade list. By default it trades
// the driver's exchange, which outlives every kill as a broker does; with `embedded` it runs the
// exchange itself, persisted under `<stateDir>/exchange/` exactly as `start --local` does, so a
// SIGKILL takes both down and the next life resumes both from disk. Arguments: one JSON object
// (ChildArgs). Keys come from the environment.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { parseConfig } from "../config/load.ts";
import { openBroker } from "../adapters/index.ts";
import { Daemon } from "../daemon/daemon.ts";
import { generateSeries } from "../data/generator.ts";
import { SeededRng } from "../core/rng.ts";
import { startExchange, type Exchange } from "../exchange/server.ts";
import { faultHooks, noFaults } from "./faults.ts";
import { bookFacts, partiallyFilled } from "./integrity.ts";
import type { ChildArgs, ChildMessage, DriverMessage, EmbeddedExchangeArgs, ExchangeView } from "./protocol.ts";

const args = JSON.parse(process.argv[2] ?? "{}") as ChildArgs;
const keyId = process.env.APCA_API_KEY_ID ?? "";
const secretKey = process.env.APCA_API_SECRET_KEY ?? "";
let killAtNextPost = false;
const send = (m: ChildMessage): void => void process.send?.(m);

const faults = noFaults();
let faultsOn = true;
/** The exchange as `start --local` runs it (src/daemon/run-local.ts): same book file, same resume. */
async function embeddedExchange(e: EmbeddedExchangeArgs): Promise<Exchange> {
  const hooks = faultHooks(new SeededRng(e.faultSeed), faults, () => faultsOn);
  return startExchange({
    keyId,
    secretKey,
    bars: generateSeries({ seed: e.seed, symbols: e.symbols, days: e.days, selloffProb: 0.25 }),
    speed: "max",
    initialCashUsd: e.initialCashUsd,
    frictionPctRoundTrip: 0,
    partialFill: e.partialFill,
    persistFile: join(args.stateDir, "exchange", "book.json"),
    restFault: e.faults ? hooks.rest : undefined,
    frameFault: e.faults ? hooks.frame : undefined,
    cancelDelayMs: e.cancelDelayMs,
    ...(e.rejectAfterAccept ? { rejectAfterAccept: { fraction: e.rejectAfterAccept, seed: e.seed } } : {}),
  });
}
const ex = args.embedded ? await embeddedExchange(args.embedded) : null;
const view = (): ExchangeView | undefined =>
  ex === null ? undefined : { nowMs: ex.nowMs, done: ex.done, barsPublished: ex.barsPublished, fillsPublished: ex.fillsPublished, partiallyFilled: partiallyFilled(ex.book), faults: { ...faults } };

const url = ex?.url ?? args.url;
const port = openBroker({ kind: "alpaca", keyId, secretKey, baseUrl: url, timeoutMs: args.timeoutMs });
let brokerNowMs = ex?.nowMs ?? (await port.clockMs());
const wsBase = url.replace(/^http/, "ws");
const config = parseConfig(args.config);
const daemon = await Daemon.open({
  config,
  symbols: args.symbols,
  stateDir: args.stateDir,
  // Errors only: the driver reads the journal; a noisy child would slow the run down.
  log: pino({ level: "error" }, pino.destination(2)),
  port,
  stocksUrl: `${wsBase}/v2/${config.daemon.feed}`,
  tradingUrl: `${wsBase}/stream`,
  broker: "local",
  clock: { nowMs: () => (ex !== null ? ex.nowMs : brokerNowMs) },
  secrets: [keyId, secretKey],
  newRunStartMs: args.runStartMs,
  resume: true,
  retryDelayMs: 20,
  calendarUntilMs: args.runEndMs,
  hooks: {
    // The kill between the write-ahead line and the POST.
    afterIntentLogged: () => {
      if (killAtNextPost) process.kill(process.pid, "SIGKILL");
    },
  },
});
daemon.onBarTime = (endMs) => {
  if (endMs > brokerNowMs) brokerNowMs = endMs;
};
const report = await daemon.start();
send({ type: "ready", recovery: { resumed: report.resumed, adoptedOrders: report.adoptedOrders, posted: report.posted.length, missedEntries: report.missedEntries, flags: report.flags }, exchange: view() });

process.on("message", (m: DriverMessage) => {
  if (m.type === "arm-post-kill") {
    killAtNextPost = true;
    return;
  }
  if (m.type === "status") {
    send({ type: "status", bars: daemon.liveBars + daemon.duplicateBars + daemon.input.streamBarsRefused, fills: daemon.liveFills, idle: daemon.idle, exchange: view() });
    return;
  }
  if (m.type === "step" || m.type === "drop-streams") {
    if (ex === null) return;
    if (m.type === "step") ex.stepBars(1);
    else ex.dropStreams("both");
    send({ type: "stepped", exchange: view() as ExchangeView });
    return;
  }
  void (async () => {
    faultsOn = false;
    const result = await daemon.stop("chaos run over", true);
    const trades = result.trades.map((t) => ({ symbol: t.symbol, entryTime: t.entryTime, exitTime: t.exitTime, shares: t.shares, pnlUsd: Math.round(t.pnlUsd * 100) / 100, exitReason: t.exitReason }));
    writeFileSync(join(args.stateDir, "chaos-trades.json"), JSON.stringify(trades), { mode: 0o600 });
    const last = view();
    const book = ex !== null ? bookFacts(ex.book) : undefined;
    await ex?.close();
    send({ type: "stopped", trades: trades.length, exchange: last, book });
    process.exit(0);
  })();
});
