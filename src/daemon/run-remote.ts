import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import { systemClock, type Clock } from "../core/clock.ts";
import { NyTime, etDayToIso, etToUtcMs } from "../core/ny-time.ts";
import { openBroker } from "../adapters/index.ts";
import type { CalendarDay } from "../broker/port.ts";
import type { ApiKeys } from "../cli/keys.ts";
import { Daemon, type DaemonOptions } from "./daemon.ts";
import type { StrategySlot } from "../core/strategy.ts";
import { followConfig, type FollowedConfig } from "./config-follow.ts";

export interface RemoteRunOptions {
  readonly config: Config;
  readonly symbols: readonly string[];
  /** The strategies (default: buildSlots of the config over `symbols`). */
  readonly slots?: readonly StrategySlot[];
  readonly stateDir: string;
  readonly log: Logger;
  /** Where alerts go (see DaemonOptions.alerts). */
  readonly alerts?: DaemonOptions["alerts"];
  readonly keys: ApiKeys;
  readonly broker: "paper" | "live";
  /** A broker other than Alpaca that speaks its protocol (a separate `sizewise exchange`). */
  readonly brokerUrl?: string;
  readonly signal: AbortSignal;
  /** The user config file to follow while running (a changed sizing.mode applies at the next decision). */
  readonly configFile?: FollowedConfig;
}

const DAY_MS = 86_400_000;

export type { CalendarDay } from "../broker/port.ts";

/**
 * Where a new run's replay starts: the open of the last trading session before today's (from the
 * broker's calendar), so the indicators are warm before the first decision of the day.
 */
export function warmupStartMs(calendar: readonly CalendarDay[], nowMs: number): number {
  const ny = new NyTime();
  const today = etDayToIso(ny.etDay(nowMs));
  const prior = calendar.filter((d) => d.date < today).sort((a, b) => a.date.localeCompare(b.date));
  const last = prior[prior.length - 1];
  if (last === undefined) return nowMs - DAY_MS;
  const [h, m] = last.open.split(":").map(Number);
  return etToUtcMs(ny.etDay(Date.parse(`${last.date}T12:00:00Z`)), h * 60 + m);
}

/**
 * The daemon against a remote broker: Alpaca paper (or live, with both opt-ins), or any broker
 * that speaks the protocol at --broker-url. The broker outlives the bot, so every start resumes
 * the run the state holds (within daemon.maxReplayDays). Runs until the signal aborts.
 */
export async function runRemote(o: RemoteRunOptions): Promise<void> {
  const port = openBroker({ kind: "alpaca", keyId: o.keys.keyId, secretKey: o.keys.secretKey, baseUrl: o.brokerUrl, live: o.broker === "live" });
  let brokerNowMs = await port.clockMs();
  // A replaying broker's time is its replay clock, which the bars carry; Alpaca's is the wall clock.
  const clock: Clock = o.brokerUrl ? { nowMs: () => brokerNowMs } : systemClock;
  const calendar = await port.calendar(clock.nowMs() - 10 * DAY_MS, clock.nowMs());
  const wsBase = o.brokerUrl?.replace(/^http/, "ws");
  const daemon = await Daemon.open({
    config: o.config,
    symbols: o.symbols,
    slots: o.slots,
    stateDir: o.stateDir,
    log: o.log,
    port,
    stocksUrl: wsBase ? `${wsBase}/v2/${o.config.daemon.feed}` : undefined,
    tradingUrl: wsBase ? `${wsBase}/stream` : undefined,
    broker: o.broker,
    clock,
    secrets: [o.keys.keyId, o.keys.secretKey],
    newRunStartMs: warmupStartMs(calendar, clock.nowMs()),
    resume: true,
    alerts: o.alerts,
  });
  daemon.onBarTime = (endMs) => {
    if (endMs > brokerNowMs) brokerNowMs = endMs;
  };
  const report = await daemon.start();
  const watch = o.configFile ? followConfig(daemon, o.configFile, o.config, o.log) : null;
  o.log.info({ broker: o.broker, url: o.brokerUrl ?? "alpaca", symbols: o.symbols, resumed: report.resumed }, "trading");
  process.stdout.write(`sizewise: trading ${o.symbols.join(",")} on ${o.brokerUrl ?? (o.broker === "live" ? "Alpaca LIVE" : "Alpaca paper")}; Ctrl-C stops (state and journal in ${o.stateDir})\n`);
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) return resolve();
    o.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  watch?.close();
  await daemon.stop("signal", false);
}
