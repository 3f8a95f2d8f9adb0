import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSeries } from "../data/generator.ts";
import { SeededRng } from "../core/rng.ts";
import { startExchange, type Exchange, type FrameFault, type RestFault } from "../exchange/server.ts";
import { parseState } from "../store/state-schema.ts";
import type { ChaosTrade, ChildArgs, ChildMessage } from "./protocol.ts";
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
 */

export interface ChaosOptions {
  readonly seed: number;
  readonly symbols: number;
  readonly days: number;
  /** Kills to schedule (at least this many happen unless the replay is too short). 0 with faults false: the reference run. */
  readonly kills: number;
  readonly faults: boolean;
  readonly stateDir: string;
  readonly onProgress?: (line: string) => void;
  /** The exchange's wall-clock delay from a cancel's 204 to its `canceled` (Alpaca cancels asynchronously). */
  readonly cancelDelayMs?: number;
  /** A seeded fraction of orders the exchange refuses after their 200 (same orders in every run of a seed). */
  readonly rejectAfterAccept?: number;
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

/** One life of the daemon: its process and a request/answer line to it. */
class Life {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Who waits for the next message; null tells them the child died first. */
  private waiting: ((m: ChildMessage | null) => void)[] = [];
  private readyMsg: ChildMessage | null = null;
  dead = false;

  constructor(readonly proc: ChildProcess) {
    proc.on("message", (m: ChildMessage) => {
      if (m.type === "ready") this.readyMsg = m;
      const w = this.waiting.shift();
      w?.(m);
    });
    this.exited = new Promise((r) =>
      proc.once("exit", (code, signal) => {
        this.dead = true;
        for (const w of this.waiting.splice(0)) w(null);
        r({ code, signal });
      }),
    );
  }

  /** The next message, or null when the child died first or `ms` passed. */
  private next(ms: number): Promise<ChildMessage | null> {
    if (this.dead) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== done);
        resolve(null);
      }, ms);
      const done = (m: ChildMessage | null): void => {
        clearTimeout(t);
        resolve(m);
      };
      this.waiting.push(done);
    });
  }

  async ready(ms: number): Promise<ChildMessage | null> {
    if (this.readyMsg !== null) return this.readyMsg;
    return this.next(ms);
  }

  async status(): Promise<{ bars: number; fills: number; idle: boolean } | null> {
    if (this.dead) return null;
    const answer = this.next(20_000);
    this.proc.send({ type: "status" });
    const m = await answer;
    return m !== null && m.type === "status" ? m : null;
  }

  async stop(): Promise<boolean> {
    const answer = this.next(60_000);
    this.proc.send({ type: "stop" });
    const m = await answer;
    await this.exited;
    return m !== null && m.type === "stopped";
  }

  /** The child kills itself inside its next order's send, after the write-ahead line, before the POST. */
  armPostKill(): void {
    if (!this.dead) this.proc.send({ type: "arm-post-kill" });
  }

  kill(): Promise<unknown> {
    this.proc.kill("SIGKILL");
    return this.exited;
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const rng = new SeededRng(o.seed * 7919 + 1);
  const series = generateSeries({ seed: o.seed, symbols: o.symbols, days: o.days, selloffProb: 0.25 });
  const symbols = series.map((s) => s.symbol);
  const keyId = `chaos-${randomBytes(4).toString("hex")}`;
  const secretKey = randomBytes(16).toString("hex");
  const faults: Record<string, number> = { rest500Before: 0, rest500After: 0, rest429: 0, restSlow: 0, streamDrops: 0, barFramesDuplicated: 0, barFramesStale: 0, updateFramesDuplicated: 0, updateFramesStale: 0 };
  let faultsOn = false;
  const restFault = (req: { method: string; path: string }): RestFault | null => {
    if (!faultsOn) return null;
    const orderCall = (req.method === "POST" && req.path === "/v2/orders") || (req.method === "DELETE" && req.path.startsWith("/v2/orders/")) || req.path === "/v2/orders:by_client_order_id";
    if (!orderCall) return null;
    const x = rng.next();
    if (x < 0.04) return (faults.rest500Before++, { when: "before", status: 500 });
    if (x < 0.08) return (faults.rest500After++, { when: "after", status: 500 });
    if (x < 0.1) return (faults.rest429++, { when: "before", status: 429, retryAfterS: 1 });
    if (x < 0.12) return (faults.restSlow++, { when: "after", delayMs: 700 });
    return null;
  };
  const frameFault = (stream: "bars" | "trade_updates"): FrameFault | null => {
    if (!faultsOn) return null;
    const x = rng.next();
    const bars = stream === "bars";
    if (x < 0.03) return (faults[bars ? "barFramesDuplicated" : "updateFramesDuplicated"]++, "duplicate");
    if (x < 0.05) return (faults[bars ? "barFramesStale" : "updateFramesStale"]++, "stale");
    return null;
  };
  const ex: Exchange = await startExchange({
    keyId,
    secretKey,
    bars: series,
    speed: "max",
    initialCashUsd: 100_000,
    frictionPctRoundTrip: 0,
    partialFill: { fraction: 0.3, seed: o.seed },
    restFault: o.faults ? restFault : undefined,
    frameFault: o.faults ? frameFault : undefined,
    cancelDelayMs: o.cancelDelayMs,
    ...(o.rejectAfterAccept ? { rejectAfterAccept: { fraction: o.rejectAfterAccept, seed: o.seed } } : {}),
  });
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const firstMs = Math.min(...series.map((s) => s.tMs[0]));
  const lastMs = Math.max(...series.map((s) => s.tMs[s.length - 1]));
  const args: ChildArgs = { url: ex.url, stateDir: o.stateDir, symbols, config: CONFIG, runStartMs: firstMs, runEndMs: lastMs, timeoutMs: 400 };
  const problems: string[] = [];
  const killsByKind: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const downWindows: Window[] = [];
  let unparseable = 0;
  let restarts = 0;

  // Kill moments: the next one a random gap ahead (seeded), averaging what is left over the
  // kills still to make, so the run makes about `kills` of them; kinds take turns.
  const totalMinutes = series.reduce((m, s) => Math.max(m, s.length), 0);
  let scheduled = 0;
  let nextKill = Infinity;
  const scheduleKill = (now: number): void => {
    if (scheduled >= o.kills) return void (nextKill = Infinity);
    const avg = Math.max(2, (totalMinutes - now) / (o.kills - scheduled));
    nextKill = now + 1 + Math.floor(rng.next() * (2 * avg - 1));
  };
  scheduleKill(0);

  const spawnLife = (): Life => {
    const env = { ...process.env, APCA_API_KEY_ID: keyId, APCA_API_SECRET_KEY: secretKey };
    return new Life(fork(CHILD, [JSON.stringify(args)], { env, execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "pipe", "ipc"] }));
  };
  const start = async (): Promise<Life> => {
    // The exchange stands still while the bot starts: it recovers, then trades in lock step.
    for (let attempt = 0; ; attempt++) {
      const life = spawnLife();
      let err = "";
      life.proc.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      const ready = await life.ready(60_000);
      if (ready !== null && ready.type === "ready") {
        for (const f of ready.recovery.flags) problems.push(`reconcile flag after restart: ${f}`);
        return life;
      }
      await life.kill();
      if (attempt >= 2) throw new Error(`the daemon did not start: ${err}`);
      problems.push(`start failed, retried: ${err.split("\n").filter(Boolean).pop() ?? "no message"}`);
    }
  };
  const checkFiles = (): void => {
    unparseable += countUnparseable(o.stateDir, problems);
  };

  faultsOn = o.faults;
  let life = await start();
  let base = { bars: ex.barsPublished, fills: ex.fillsPublished };
  const caughtUp = async (): Promise<boolean> => {
    const t0 = Date.now();
    for (;;) {
      const s = await life.status();
      if (s === null) {
        if (life.dead) return false;
        // Alive and not answering: a hung daemon is a failure to report, and a kill to recover from.
        problems.push(`no answer from the daemon at ${new Date(ex.nowMs).toISOString()}`);
        hung = true;
        await life.kill();
        return false;
      }
      if (s.idle && s.bars >= ex.barsPublished - base.bars && s.fills >= ex.fillsPublished - base.fills) return true;
      if (Date.now() - t0 > 30_000) {
        problems.push(`stalled at ${new Date(ex.nowMs).toISOString()}: bot has ${s.bars}/${ex.barsPublished - base.bars} bars, ${s.fills}/${ex.fillsPublished - base.fills} fills, idle ${s.idle}`);
        o.onProgress?.(problems[problems.length - 1]);
        return true;
      }
      await new Promise((r) => setTimeout(r, s.idle ? 0 : 1));
    }
  };
  /** After a death: what it left on disk must parse; a new life starts; the bot was down from `downFrom` until now. */
  const restart = async (downFrom: number): Promise<void> => {
    checkFiles();
    restarts++;
    life = await start();
    base = { bars: ex.barsPublished, fills: ex.fillsPublished };
    downWindows.push({ fromMs: downFrom, toMs: ex.nowMs });
  };
  const die = async (kind: KillKind): Promise<void> => {
    const downFrom = ex.nowMs;
    await life.kill();
    killsByKind[kind]++;
    // The broker goes on without the bot for a few minutes.
    const down = Math.floor(rng.next() * 4);
    for (let i = 0; i < down && !ex.done; i++) ex.stepBars(1);
    await restart(downFrom);
  };

  let hung = false;
  /** The child died on its own (a kill it gave itself inside a POST) or was killed hung: restart it. */
  const afterDeath = async (): Promise<void> => {
    const { signal, code } = await life.exited;
    if (signal !== "SIGKILL") throw new Error(`the daemon exited unexpectedly (code ${code}, signal ${signal})`);
    if (!hung) killsByKind["in POST"]++;
    hung = false;
    await restart(ex.nowMs);
  };
  let minute = 0;
  while (!ex.done) {
    minute++;
    let kind: KillKind | undefined;
    if (minute >= nextKill) {
      kind = KINDS[scheduled++ % KINDS.length];
      scheduleKill(minute);
    }
    if (o.faults && rng.next() < 0.01) {
      ex.dropStreams("both");
      faults.streamDrops++;
    }
    if (kind === "mid-minute") {
      ex.stepBars(1);
      await new Promise((r) => setTimeout(r, 1 + Math.floor(rng.next() * 3)));
      await die(kind);
      continue;
    }
    ex.stepBars(1);
    if (!(await caughtUp())) {
      await afterDeath();
      continue;
    }
    if (kind === "between minutes") await die(kind);
    else if (kind === "in POST") life.armPostKill();
    else if (kind === "partial fill") {
      // Wait (up to a session) for an order of ours to be partially filled, then kill.
      let alive = true;
      for (let i = 0; i < 390 && !ex.done && !partiallyFilled(ex) && alive; i++) {
        ex.stepBars(1);
        minute++;
        alive = await caughtUp();
      }
      if (alive) await die(kind);
      else await afterDeath();
    }
    if (minute % 390 === 0) o.onProgress?.(`minute ${minute}/${totalMinutes}: kills ${Object.values(killsByKind).reduce((a, b) => a + b, 0)}`);
  }
  await caughtUp();
  faultsOn = false;
  if (!(await life.stop())) problems.push("the last life did not stop cleanly");
  checkFiles();
  const trades = JSON.parse(readFileSync(join(o.stateDir, "chaos-trades.json"), "utf8")) as ChaosTrade[];
  const integrity = checkIntegrity(ex, o.stateDir);
  await ex.close();
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
}

function partiallyFilled(ex: Exchange): boolean {
  return ex.book.allOrders().some((o) => o.status === "partially_filled");
}

/** State, write-ahead log and journal files that do not parse (a torn last line of an append-only file is not a failure: readers skip it). */
function countUnparseable(stateDir: string, problems: string[]): number {
  let bad = 0;
  const fail = (file: string, e: unknown): void => {
    bad++;
    problems.push(`${file} does not parse: ${(e as Error).message}`);
  };
  const state = join(stateDir, "state.json");
  if (existsSync(state)) {
    try {
      parseState(readFileSync(state, "utf8"), state);
    } catch (e) {
      fail(state, e);
    }
  }
  const jsonLines = (file: string): void => {
    const lines = readFileSync(file, "utf8").split("\n");
    // Only a cut final line may be torn.
    for (let i = 0; i < lines.length - 1; i++) {
      if (lines[i].trim() === "") continue;
      try {
        JSON.parse(lines[i]);
      } catch (e) {
        return fail(`${file}:${i + 1}`, e);
      }
    }
  };
  if (existsSync(join(stateDir, "intents.jsonl"))) jsonLines(join(stateDir, "intents.jsonl"));
  const jdir = join(stateDir, "journal");
  if (existsSync(jdir)) {
    for (const f of readdirSync(jdir)) {
      const file = join(jdir, f);
      if (f.endsWith(".jsonl")) jsonLines(file);
      else if (f.endsWith(".json")) {
        try {
          JSON.parse(readFileSync(file, "utf8"));
        } catch (e) {
          fail(file, e);
        }
      }
    }
  }
  return bad;
}

interface JournalEventLike {
  readonly type: string;
  readonly [k: string]: unknown;
}

function journalEvents(stateDir: string): JournalEventLike[] {
  const dir = join(stateDir, "journal");
  const out: JournalEventLike[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".json")) continue;
    const j = JSON.parse(readFileSync(join(dir, f), "utf8")) as { events: JournalEventLike[] };
    out.push(...j.events);
  }
  return out;
}

/** The broker's refusals that only the bot's own sequencing causes (alpaca-protocol.md: 403 insufficient qty, 422 wash trade). */
export const SEQUENCING_REFUSAL = /insufficient qty|wash trade/i;

/** Journaled refusals (order_update rejected) whose reason is a sequencing fault. */
export function countSequencingRefusals(events: readonly { readonly type?: unknown; readonly event?: unknown; readonly reason?: unknown }[]): number {
  return events.filter((e) => e.type === "order_update" && e.event === "rejected" && typeof e.reason === "string" && SEQUENCING_REFUSAL.test(e.reason)).length;
}

/** The zero-counts: what the broker holds against what the bot's state and journal say. */
function checkIntegrity(ex: Exchange, stateDir: string) {
  const problems: string[] = [];
  const orders = ex.book.allOrders().filter((o) => o.client_order_id.startsWith("bear-trap."));
  const byCoid = new Map<string, number>();
  for (const o of orders) byCoid.set(o.client_order_id, (byCoid.get(o.client_order_id) ?? 0) + 1);
  const events = journalEvents(stateDir);
  const submitted = events.filter((e) => e.type === "order_submitted").map((e) => String(e.clientOrderId));
  const submittedTwice = submitted.length - new Set(submitted).size;
  const duplicateClientOrderIds = [...byCoid.values()].filter((n) => n > 1).length + submittedTwice;
  if (submittedTwice > 0) problems.push(`${submittedTwice} client order ids journaled as submitted more than once`);
  // One intent, one order: a signal's entry (symbol + signal minute) is one order whatever its id.
  const entries = new Map<string, number>();
  for (const o of orders) {
    const m = /^bear-trap\.([^.]+)\.(\d{8}T\d{4})\.entry$/.exec(o.client_order_id);
    if (m) entries.set(`${m[1]} ${m[2]}`, (entries.get(`${m[1]} ${m[2]}`) ?? 0) + 1);
  }
  const ordersPlacedTwice = [...entries.values()].filter((n) => n > 1).length + [...byCoid.values()].filter((n) => n > 1).length;
  const state = parseState(readFileSync(join(stateDir, "state.json"), "utf8"), "state.json");
  let unknownBrokerPositions = 0;
  for (const p of ex.book.allPositions()) {
    const held = Object.values(state.positions).filter((x) => x.symbol === p.symbol).reduce((n, x) => n + x.qtyShares, 0);
    if (p.qty !== 0 && held !== p.qty) {
      unknownBrokerPositions++;
      problems.push(`broker holds ${p.qty} ${p.symbol}, state ${held}`);
    }
  }
  // Every execution the broker made for the bot, in the journal: shares per symbol and side.
  const key = (symbol: string, side: string): string => `${symbol} ${side}`;
  const broker = new Map<string, { n: number; qty: number }>();
  for (const x of ex.book.executions()) {
    const k = key(x.symbol, x.side);
    const v = broker.get(k) ?? { n: 0, qty: 0 };
    broker.set(k, { n: v.n + 1, qty: v.qty + x.qty });
  }
  const journal = new Map<string, { n: number; qty: number }>();
  for (const e of events.filter((x) => x.type === "fill")) {
    const k = key(String(e.symbol), String(e.side));
    const v = journal.get(k) ?? { n: 0, qty: 0 };
    journal.set(k, { n: v.n + 1, qty: v.qty + Number(e.qty) });
  }
  let fillsMissingFromJournal = 0;
  for (const [k, b] of broker) {
    const j = journal.get(k) ?? { n: 0, qty: 0 };
    if (j.n < b.n || j.qty !== b.qty) {
      fillsMissingFromJournal += Math.max(1, b.n - j.n);
      problems.push(`fills of ${k}: broker ${b.n} (${b.qty} sh), journal ${j.n} (${j.qty} sh)`);
    }
  }
  const refusedBySequencing = countSequencingRefusals(events);
  if (refusedBySequencing > 0) problems.push(`${refusedBySequencing} orders refused for held shares or as wash trades`);
  return { duplicateClientOrderIds, ordersPlacedTwice, unknownBrokerPositions, fillsMissingFromJournal, refusedBySequencing, problems };
}

export { compareTrades, type TradeDiff };
