import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSeries } from "../data/generator.ts";
import { SeededRng } from "../core/rng.ts";
import { startExchange, type Exchange } from "../exchange/server.ts";
import { addFaults, faultHooks, noFaults } from "./faults.ts";
import { bookFacts, checkIntegrity, countUnparseable, partiallyFilled, type BookFacts } from "./integrity.ts";
import { KillPlan, planKills } from "./kill-schedule.ts";
import { Life } from "./life.ts";
import type { ChaosTrade, ChildArgs, ExchangeView } from "./protocol.ts";
import { compareTrades, type TradeDiff, type Window } from "./trade-diff.ts";

/**
 * The chaos run (issue 7): the daemon trades a replayed multi-day session on the local exchange,
 * in a child process, while this driver kills it with SIGKILL at random moments (between
 * minutes, in the middle of one, between the write-ahead line and the POST, while an order is
 * partially filled), drops both streams, answers REST calls with 500s, 429s and late answers,
 * and sends bar and order-update frames twice or out of order. The exchange lives here, so it
 * outlives every kill, as a broker does. The replay runs in lock step (the next minute goes out
 * when the bot has taken the last one), so the same replay without faults is a reference: any
 * difference in the trade list must come from a window the bot was down in.
 *
 * With `killExchange` (issue 13) the exchange lives in the daemon's process instead, persisted
 * under `<stateDir>/exchange/` as `start --local` keeps it, so every SIGKILL takes both down and
 * the next life resumes both from disk; the driver steps the replay over IPC, and checks the
 * zero-counts against the book the last life saved.
 *
 * Kills fall where `planKills` puts them (one per slot of the replay), and a kill whose moment
 * passed while the driver could not act is made at the next minute, so the run makes as many
 * kills as asked when the replay has room.
 */

export interface ChaosOptions {
  readonly seed: number;
  readonly symbols: number;
  readonly days: number;
  /** Kills to make (all of them unless the replay has fewer than about two minutes per kill). 0 with faults false: the reference run. */
  readonly kills: number;
  readonly faults: boolean;
  readonly stateDir: string;
  readonly onProgress?: (line: string) => void;
  /** The exchange's wall-clock delay from a cancel's 204 to its `canceled` (Alpaca cancels asynchronously). */
  readonly cancelDelayMs?: number;
  /** A seeded fraction of orders the exchange refuses after their 200 (same orders in every run of a seed). */
  readonly rejectAfterAccept?: number;
  /** The exchange runs inside the daemon's process and dies with it (`start --local`); default false: it outlives every kill. */
  readonly killExchange?: boolean;
}

export interface ChaosReport {
  readonly kills: number;
  readonly killsByKind: Readonly<Record<string, number>>;
  readonly restarts: number;
  readonly duplicateClientOrderIds: number;
  readonly ordersPlacedTwice: number;
  readonly unknownBrokerPositions: number;
  readonly fillsMissingFromJournal: number;
  /** Orders the broker refused for held shares or as wash trades: a sequencing fault of the bot's own. */
  readonly refusedBySequencing: number;
  readonly unparseableStateFiles: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly downWindows: readonly Window[];
  readonly trades: readonly ChaosTrade[];
  readonly problems: readonly string[];
}

const CHILD = fileURLToPath(new URL("./daemon-child.ts", import.meta.url));
const CONFIG = { strategy: { minDayChangePct: -10 }, sizing: { mode: "full" }, daemon: { reconnectInitialMs: 20 } };
const KINDS = ["between minutes", "mid-minute", "in POST", "partial fill"] as const;
type KillKind = (typeof KINDS)[number];
const INITIAL_CASH_USD = 100_000;
/** The last armed "in POST" kill, when no order reached it within this many minutes, is made as a plain kill, so it is not lost before the replay ends. */
const ARMED_MINUTES = 20;

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const rng = new SeededRng(o.seed * 7919 + 1);
  const series = generateSeries({ seed: o.seed, symbols: o.symbols, days: o.days, selloffProb: 0.25 });
  const symbols = series.map((s) => s.symbol);
  const keyId = `chaos-${randomBytes(4).toString("hex")}`;
  const secretKey = randomBytes(16).toString("hex");
  const faults = noFaults();
  let faultsOn = false;
  const embedded = o.killExchange === true;
  const partialFill = { fraction: 0.3, seed: o.seed };
  const hooks = faultHooks(rng, faults, () => faultsOn);
  // Driver mode: the exchange lives here and outlives every kill, as a broker does.
  const ex: Exchange | null = embedded
    ? null
    : await startExchange({
        keyId,
        secretKey,
        bars: series,
        speed: "max",
        initialCashUsd: INITIAL_CASH_USD,
        frictionPctRoundTrip: 0,
        partialFill,
        restFault: o.faults ? hooks.rest : undefined,
        frameFault: o.faults ? hooks.frame : undefined,
        cancelDelayMs: o.cancelDelayMs,
        ...(o.rejectAfterAccept ? { rejectAfterAccept: { fraction: o.rejectAfterAccept, seed: o.seed } } : {}),
      });
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const firstMs = Math.min(...series.map((s) => s.tMs[0]));
  const lastMs = Math.max(...series.map((s) => s.tMs[s.length - 1]));
  const problems: string[] = [];
  const killsByKind: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const downWindows: Window[] = [];
  let unparseable = 0;
  let restarts = 0;
  const childArgs = (): ChildArgs => ({
    url: ex?.url ?? "",
    stateDir: o.stateDir,
    symbols,
    config: CONFIG,
    runStartMs: firstMs,
    runEndMs: lastMs,
    timeoutMs: 400,
    ...(embedded
      ? { embedded: { seed: o.seed, symbols: o.symbols, days: o.days, initialCashUsd: INITIAL_CASH_USD, partialFill, cancelDelayMs: o.cancelDelayMs, rejectAfterAccept: o.rejectAfterAccept, faults: o.faults, faultSeed: o.seed * 104_729 + restarts } }
      : {}),
  });

  // What the driver knows of the exchange: read directly in driver mode; in embedded mode the
  // last view the child sent (the exchange is gone while the child is dead).
  let view: ExchangeView = { nowMs: firstMs, done: false, barsPublished: 0, fillsPublished: 0, partiallyFilled: false, faults: {} };
  const nowMs = (): number => ex?.nowMs ?? view.nowMs;
  const done = (): boolean => ex?.done ?? view.done;
  const see = (v: ExchangeView | undefined): void => void (v !== undefined && (view = v));
  /** This life's injected faults go into the totals when it ends (embedded mode: they were counted in the child). */
  const closeLifeFaults = (): void => {
    if (embedded) addFaults(faults, view.faults);
    view = { ...view, faults: {} };
  };

  const totalMinutes = new Set(series.flatMap((s) => [...s.tMs])).size;
  // Leave room at the end for an armed "in POST" kill to be made before the replay ends: in
  // embedded mode a life started on a finished replay would begin a new one (persist.ts).
  const margin = ARMED_MINUTES + 5;
  const plan = new KillPlan(planKills(o.kills, totalMinutes > o.kills + margin ? totalMinutes - margin : totalMinutes, rng));
  /** Replay minutes stepped so far (every step, also those made while the bot was down). */
  let minute = 0;

  const spawnLife = (): Life => {
    const env = { ...process.env, APCA_API_KEY_ID: keyId, APCA_API_SECRET_KEY: secretKey };
    return new Life(fork(CHILD, [JSON.stringify(childArgs())], { env, execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "pipe", "ipc"] }));
  };
  const start = async (): Promise<Life> => {
    // The exchange stands still while the bot starts: it recovers, then trades in lock step.
    for (let attempt = 0; ; attempt++) {
      const life = spawnLife();
      const ready = await life.ready(60_000);
      if (ready !== null && ready.type === "ready") {
        see(ready.exchange);
        for (const f of ready.recovery.flags) problems.push(`reconcile flag after restart: ${f}`);
        return life;
      }
      await life.kill();
      if (attempt >= 2) throw new Error(`the daemon did not start: ${life.stderrTail}`);
      problems.push(`start failed, retried: ${life.stderrTail.split("\n").filter(Boolean).pop() ?? "no message"}`);
    }
  };

  faultsOn = o.faults;
  let life = await start();
  let base = { bars: ex?.barsPublished ?? 0, fills: ex?.fillsPublished ?? 0 };
  let hung = false;
  let armedAt = -1;
  /** Replays one minute; false when the child died under it (embedded mode). */
  const step = async (): Promise<boolean> => {
    minute++;
    if (ex !== null) return (ex.stepBars(1), true);
    const v = await life.exchangeCall("step");
    see(v ?? undefined);
    return v !== null;
  };
  const dropStreams = async (): Promise<void> => {
    faults.streamDrops++;
    if (ex !== null) ex.dropStreams("both");
    else see((await life.exchangeCall("drop-streams")) ?? undefined);
  };
  const caughtUp = async (): Promise<boolean> => {
    const t0 = Date.now();
    for (;;) {
      const s = await life.status();
      if (s === null) {
        if (life.dead) return false;
        // Alive and not answering: a hung daemon is a failure to report, and a kill to recover from.
        problems.push(`no answer from the daemon at ${new Date(nowMs()).toISOString()}`);
        hung = true;
        await life.kill();
        return false;
      }
      see(s.exchange);
      const bars = ex !== null ? ex.barsPublished - base.bars : view.barsPublished;
      const fills = ex !== null ? ex.fillsPublished - base.fills : view.fillsPublished;
      if (s.idle && s.bars >= bars && s.fills >= fills) return true;
      if (Date.now() - t0 > 30_000) {
        problems.push(`stalled at ${new Date(nowMs()).toISOString()}: bot has ${s.bars}/${bars} bars, ${s.fills}/${fills} fills, idle ${s.idle}`);
        o.onProgress?.(problems[problems.length - 1]);
        return true;
      }
      await new Promise((r) => setTimeout(r, s.idle ? 0 : 1));
    }
  };
  /** After a death: what it left on disk must parse; a new life starts; the bot was down from `downFrom` until now. */
  const restart = async (downFrom: number): Promise<void> => {
    unparseable += countUnparseable(o.stateDir, problems);
    closeLifeFaults();
    armedAt = -1;
    restarts++;
    life = await start();
    base = { bars: ex?.barsPublished ?? 0, fills: ex?.fillsPublished ?? 0 };
    // Embedded mode: the exchange resumes where its book was saved, never past the kill.
    downWindows.push({ fromMs: downFrom, toMs: Math.max(downFrom, nowMs()) });
  };
  const die = async (kind: KillKind): Promise<void> => {
    // A kill after the replay's end would start the embedded exchange on a new replay: not a kill this run can make.
    if (ex === null && done()) return void problems.push(`a ${kind} kill fell after the replay ended and was not made`);
    const downFrom = nowMs();
    await life.kill();
    killsByKind[kind]++;
    // A broker of its own goes on without the bot for a few minutes; an embedded one died too.
    const down = Math.floor(rng.next() * 4);
    for (let i = 0; ex !== null && i < down && !ex.done; i++) await step();
    await restart(downFrom);
  };
  /** The child died on its own (a kill it gave itself inside a POST) or was killed hung: restart it. */
  const afterDeath = async (): Promise<void> => {
    const { signal, code } = await life.exited;
    if (signal !== "SIGKILL") throw new Error(`the daemon exited unexpectedly (code ${code}, signal ${signal}): ${life.stderrTail}`);
    if (!hung) killsByKind["in POST"]++;
    hung = false;
    await restart(nowMs());
  };

  let turn = 0;
  let owed = 0;
  while (!done()) {
    if (plan.take(minute + 1)) owed++;
    // An armed kill no order reached by the time the next kill is due (or, for the last one,
    // within ARMED_MINUTES): make it now as a plain kill, so it is not lost.
    if (armedAt >= 0 && (owed > 0 || (plan.minutesToNext(minute) === Infinity && minute - armedAt >= ARMED_MINUTES))) {
      await die("between minutes");
      continue;
    }
    let kind: KillKind | undefined;
    if (owed > 0 && armedAt < 0) {
      owed--;
      kind = KINDS[turn++ % KINDS.length];
    }
    if (o.faults && rng.next() < 0.01) await dropStreams();
    if (kind === "mid-minute") {
      await step();
      await new Promise((r) => setTimeout(r, 1 + Math.floor(rng.next() * 3)));
      await die(kind);
      continue;
    }
    if (!(await step()) || !(await caughtUp())) {
      await afterDeath();
      continue;
    }
    if (kind === "between minutes") await die(kind);
    else if (kind === "in POST") {
      life.armPostKill();
      armedAt = minute;
    } else if (kind === "partial fill") {
      // Wait (up to a session, and not past the next planned kill) for an order of ours to be partially filled.
      const wait = Math.min(390, Math.max(1, plan.minutesToNext(minute)), Math.max(0, totalMinutes - minute - 2));
      let alive = true;
      for (let i = 0; i < wait && !done() && !isPartial() && alive; i++) alive = (await step()) && (await caughtUp());
      if (alive) await die(isPartial() ? kind : "between minutes");
      else await afterDeath();
    }
    if (minute % 390 === 0) o.onProgress?.(`minute ${minute}/${totalMinutes}: kills ${Object.values(killsByKind).reduce((a, b) => a + b, 0)}`);
  }
  if (owed > 0 || armedAt >= 0) problems.push(`${owed + (armedAt >= 0 ? 1 : 0)} planned kills found no minute left`);
  await caughtUp();
  faultsOn = false;
  const stopped = await life.stop();
  let facts: BookFacts | undefined = ex !== null ? bookFacts(ex.book) : undefined;
  if (stopped === null || stopped.type !== "stopped") problems.push("the last life did not stop cleanly");
  else {
    see(stopped.exchange);
    facts ??= stopped.book;
  }
  closeLifeFaults();
  unparseable += countUnparseable(o.stateDir, problems);
  const trades = JSON.parse(readFileSync(join(o.stateDir, "chaos-trades.json"), "utf8")) as ChaosTrade[];
  // Embedded mode: the zero-counts are checked against the book the last life's exchange held at its clean stop.
  if (facts === undefined) throw new Error(`the embedded exchange sent no book at the end: ${life.stderrTail}`);
  const integrity = checkIntegrity(facts, o.stateDir);
  await ex?.close();
  return {
    kills: Object.values(killsByKind).reduce((a, b) => a + b, 0),
    killsByKind,
    restarts,
    ...integrity,
    unparseableStateFiles: unparseable,
    faults,
    downWindows,
    trades,
    problems: [...problems, ...integrity.problems],
  };

  function isPartial(): boolean {
    return ex !== null ? partiallyFilled(ex.book) : view.partiallyFilled;
  }
}

export { compareTrades, type TradeDiff };
export { countSequencingRefusals, SEQUENCING_REFUSAL } from "./integrity.ts";
