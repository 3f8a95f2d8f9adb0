// One life of the daemon in the chaos run: a child process the driver SIGKILLs at will. It trades
// the driver's exchange over the Alpaca protocol (the path Alpaca paper takes), answers the
// driver's lock-step questions over IPC, and on "stop" shuts down cleanly and writes the run's
// trade list. Arguments: one JSON object (ChildArgs). Keys come from the environment.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { parseConfig } from "../config/load.ts";
import { createAlpacaClient } from "../adapters/alpaca/client.ts";
import { Daemon } from "../daemon/daemon.ts";
import type { ChildArgs, ChildMessage, DriverMessage } from "./protocol.ts";

const args = JSON.parse(process.argv[2] ?? "{}") as ChildArgs;
const keyId = process.env.APCA_API_KEY_ID ?? "";
const secretKey = process.env.APCA_API_SECRET_KEY ?? "";
let killAtNextPost = false;
const send = (m: ChildMessage): void => void process.send?.(m);

const alpaca = createAlpacaClient({ keyId, secretKey, baseUrl: args.url, timeoutMs: args.timeoutMs });
let brokerNowMs = (await alpaca.trading.clock.legacyClock()).timestamp.getTime();
const wsBase = args.url.replace(/^http/, "ws");
const config = parseConfig(args.config);
const daemon = await Daemon.open({
  config,
  symbols: args.symbols,
  stateDir: args.stateDir,
  // Errors only: the driver reads the journal; a noisy child would slow the run down.
  log: pino({ level: "error" }, pino.destination(2)),
  alpaca,
  stocksUrl: `${wsBase}/v2/${config.daemon.feed}`,
  tradingUrl: `${wsBase}/stream`,
  broker: "local",
  clock: { nowMs: () => brokerNowMs },
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
send({ type: "ready", recovery: { resumed: report.resumed, adoptedOrders: report.adoptedOrders, posted: report.posted.length, missedEntries: report.missedEntries, flags: report.flags } });

process.on("message", (m: DriverMessage) => {
  if (m.type === "arm-post-kill") {
    killAtNextPost = true;
    return;
  }
  if (m.type === "status") {
    send({ type: "status", bars: daemon.liveBars + daemon.duplicateBars, fills: daemon.liveFills, idle: daemon.idle });
    return;
  }
  void (async () => {
    const result = await daemon.stop("chaos run over", true);
    const trades = result.trades.map((t) => ({ symbol: t.symbol, entryTime: t.entryTime, exitTime: t.exitTime, shares: t.shares, pnlUsd: Math.round(t.pnlUsd * 100) / 100, exitReason: t.exitReason }));
    writeFileSync(join(args.stateDir, "chaos-trades.json"), JSON.stringify(trades), { mode: 0o600 });
    send({ type: "stopped", trades: trades.length });
    process.exit(0);
  })();
});
