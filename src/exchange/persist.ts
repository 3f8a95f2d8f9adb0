import { closeSync, constants, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileStamp } from "../io/atomic-file.ts";
import { processAlive } from "../io/process-alive.ts";
import type { Book, BookAccount, BookContent } from "./book.ts";
import type { Working } from "./order-classes.ts";
import { isOpen, linkExitPair } from "./order-classes.ts";
import type { MinuteBars } from "./replay.ts";
import type { AlpacaOrder, Execution } from "./types.ts";

/**
 * Persistence of the local exchange, so it outlives the bot (and a SIGKILL of itself): an order
 * acknowledged to a client is on disk before the client hears of it.
 *
 * Design: two files, so a save costs what is OPEN, not what ever happened.
 * - `book.json` (the snapshot): the account (cash, positions, last prices, clock, RNG draws), the
 *   replay position, and every order group with a member still open. Rewritten whole after each
 *   mutation (temp file in the same dir, mode 0600, rename: readers see the old or the new file,
 *   never half of one). No fsync: the threat is a killed process, not a power cut.
 * - `book.history.jsonl` (the log): append-only records of what can no longer change, order groups
 *   once all their members are terminal and executions. The snapshot records how many log bytes it
 *   is consistent with; a restore reads that many and cuts off anything a crash left after them.
 * Both files grow only with open orders or by appends, so a save after 10 000 finished orders costs
 * the same as after none (see the persist test that checks the snapshot size).
 */

const FORMAT = "sizewise-exchange-book/1";
const FILE_MODE = 0o600;

/** What the saved state must agree with to be resumed on this data. */
export interface Fingerprint {
  readonly symbols: readonly string[];
  readonly firstBarMs: number | null;
  readonly initialCashUsd: number;
  readonly frictionPctRoundTrip: number;
  readonly partialFill: { readonly fraction: number; readonly seed: number } | null;
}

/** How far the replay got, with a running hash of the bars replayed (the resumed data must match it). */
export interface ReplayState {
  readonly minutes: number;
  readonly bars: number;
  readonly hash: number;
  /** Start of the last replayed minute; null before the first. */
  readonly lastMinuteMs: number | null;
  readonly done: boolean;
}

/** The snapshot file's JSON. */
export interface Snapshot {
  readonly format: typeof FORMAT;
  readonly fingerprint: Fingerprint;
  readonly accountId: string;
  readonly replay: ReplayState;
  readonly account: BookAccount;
  readonly open: readonly SavedGroup[];
  /** The log's length in bytes when this snapshot was written. */
  readonly logBytes: number;
}

/** An order with the book's working internals; NaN and Infinity are saved as null. */
interface SavedOrder {
  readonly order: Omit<AlpacaOrder, "legs">;
  readonly qty: number;
  readonly filledQty: number;
  readonly filledNotional: number;
  readonly limit: number | null;
  readonly stop: number | null;
  readonly arrivalMs: number;
  readonly split: boolean;
  readonly expiryMs: number | null;
  readonly seq: number;
  readonly doomed?: boolean;
}

interface SavedGroup {
  readonly root: SavedOrder;
  /** oco: [stop]; bracket: [take-profit limit, stop-loss stop]. */
  readonly legs: readonly SavedOrder[];
}

type LogRecord = ({ readonly k: "group" } & SavedGroup) | ({ readonly k: "exec" } & Execution);

/** Running state of the replay: a cheap FNV-1a over each bar's time and prices. */
export class ReplayTally {
  private minutes = 0;
  private bars = 0;
  private hash = 0x811c9dc5;
  private lastMinuteMs: number | null = null;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  add(m: MinuteBars): void {
    this.minutes++;
    this.lastMinuteMs = m.tMs;
    for (const b of m.bars) {
      this.bars++;
      this.mix(b.tMs);
      this.mix(b.open);
      this.mix(b.high);
      this.mix(b.low);
      this.mix(b.close);
      this.mix(b.volume);
    }
  }

  state(done: boolean): ReplayState {
    return { minutes: this.minutes, bars: this.bars, hash: this.hash, lastMinuteMs: this.lastMinuteMs, done };
  }

  private mix(x: number): void {
    this.f64[0] = x;
    this.hash = Math.imul(this.hash ^ this.u32[0], 0x01000193) >>> 0;
    this.hash = Math.imul(this.hash ^ this.u32[1], 0x01000193) >>> 0;
  }
}

/** A saved exchange, ready to continue. */
export interface SavedExchange {
  readonly accountId: string;
  readonly replay: ReplayState;
  readonly content: BookContent;
}

export class BookStore {
  readonly logFile: string;
  private fd: number;
  private logBytes: number;
  private loggedExecs = 0;
  /** Orders changed since the last save: their groups are re-examined for settling into the log. */
  private readonly touched = new Set<string>();
  private readonly tmp: string;

  private constructor(readonly file: string, private readonly fingerprint: Fingerprint, logBytes: number) {
    this.logFile = logFileOf(file);
    this.tmp = `${file}.tmp-${process.pid}`;
    this.logBytes = logBytes;
    this.fd = openSync(this.logFile, constants.O_RDWR | constants.O_CREAT, FILE_MODE);
  }

  /**
   * Opens the store at `file`. Returns what it holds when that can be resumed; throws when it was
   * made for other data or settings; starts fresh (moving a finished replay's files aside) otherwise.
   */
  static open(file: string, fingerprint: Fingerprint, now = Date.now()): { store: BookStore; saved: SavedExchange | null } {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    lock(file);
    for (const n of readdirSync(dirname(file))) if (n.startsWith(`${basename(file)}.tmp-`)) rmSync(join(dirname(file), n), { force: true });
    const log = logFileOf(file);
    const snap = existsSync(file) ? readSnapshot(file) : null;
    if (!snap || snap.replay.done) {
      // A finished replay has nothing to resume; a log without a snapshot belongs to no state.
      for (const f of [file, log]) {
        if (!existsSync(f)) continue;
        if (statSync(f).size === 0) rmSync(f);
        else renameSync(f, `${f}.${fileStamp(now)}`);
      }
      return { store: new BookStore(file, fingerprint, 0), saved: null };
    }
    const diff = fingerprintDiff(snap.fingerprint, fingerprint);
    if (diff.length > 0) throw new Error(`exchange state ${file} was saved for other data or settings: ${diff.join("; ")}`);
    const records = readLog(log, snap.logBytes);
    const settled = records.filter((r) => r.k === "group").map(toGroup);
    const executions: Execution[] = records.filter((r) => r.k === "exec").map(({ k: _k, ...e }) => e);
    const content: BookContent = { account: snap.account, groups: [...settled, ...snap.open.map(toGroup)], executions };
    const store = new BookStore(file, fingerprint, snap.logBytes);
    store.loggedExecs = executions.length;
    return { store, saved: { accountId: snap.accountId, replay: snap.replay, content } };
  }

  /** Starts tracking the book's changes (call before any mutation). */
  attach(book: Book): void {
    book.onUpdate((u) => this.touched.add(u.order.id));
  }

  /** Writes everything a client could have seen: settled groups and new executions to the log, then the snapshot. */
  save(book: Book, accountId: string, replay: ReplayState): void {
    let lines = "";
    const seen = new Set<Working>();
    for (const id of this.touched) {
      const root = book.groupRoot(id);
      if (!root || seen.has(root)) continue;
      seen.add(root);
      if (!groupOpen(root)) lines += `${JSON.stringify({ k: "group", ...savedGroup(root) })}\n`;
    }
    const execs = book.executions();
    for (let i = this.loggedExecs; i < execs.length; i++) lines += `${JSON.stringify({ k: "exec", ...execs[i] })}\n`;
    if (lines) {
      // Written at the known end, not appended: after a failed write (disk full) the retry
      // overwrites the torn bytes instead of leaving them between records.
      const buf = Buffer.from(lines, "utf8");
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off, buf.length - off, this.logBytes + off);
      this.logBytes += buf.length;
    }
    // Only now is the log part done; a throw above leaves it all to be redone by the next save.
    this.touched.clear();
    this.loggedExecs = execs.length;
    const snap: Snapshot = {
      format: FORMAT, fingerprint: this.fingerprint, accountId, replay, account: book.account(),
      open: book.openGroups().map(savedGroup), logBytes: this.logBytes,
    };
    writeFileSync(this.tmp, JSON.stringify(snap), { mode: FILE_MODE });
    renameSync(this.tmp, this.file);
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    const lockFile = `${this.file}.lock`;
    if (existsSync(lockFile) && readFileSync(lockFile, "utf8").trim() === String(process.pid)) rmSync(lockFile);
  }
}

/**
 * Two processes writing one log would interleave records, so a state belongs to one process: its
 * pid is in `<file>.lock`. A lock whose process is gone (killed) is taken over; this process may
 * reopen its own (an in-process restart).
 */
function lock(file: string): void {
  const lockFile = `${file}.lock`;
  const holder = existsSync(lockFile) ? Number(readFileSync(lockFile, "utf8").trim()) : NaN;
  if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) throw new Error(`exchange state ${file} is in use by process ${holder}`);
  writeFileSync(lockFile, String(process.pid), { mode: FILE_MODE });
}

/** `<dir>/book.json` -> `<dir>/book.history.jsonl`. */
export function logFileOf(file: string): string {
  return `${file.replace(/\.json$/, "")}.history.jsonl`;
}

/** Throws unless the replay re-walked on resume is the one that was saved. */
export function checkReplay(file: string, saved: ReplayState, now: ReplayState): void {
  if (now.minutes < saved.minutes) {
    throw new Error(`exchange state ${file} was saved for other data: bars differ (the data ends after ${now.minutes} of the ${saved.minutes} minutes already replayed)`);
  }
  if (now.bars !== saved.bars || now.hash !== saved.hash) {
    throw new Error(
      `exchange state ${file} was saved for other data: bars differ (the ${saved.minutes} minutes already replayed held ${saved.bars} bars, hash ${saved.hash}; ` +
        `the data has ${now.bars} bars, hash ${now.hash})`,
    );
  }
}

function fingerprintDiff(saved: Fingerprint, now: Fingerprint): string[] {
  const out: string[] = [];
  const list = (s: readonly string[]): string => (s.length > 8 ? `${s.slice(0, 8).join(",")},... (${s.length})` : s.join(","));
  if (saved.symbols.join(",") !== now.symbols.join(",")) out.push(`symbols differ (saved ${list(saved.symbols)}; data ${list(now.symbols)})`);
  const iso = (ms: number | null): string => (ms === null ? "none" : new Date(ms).toISOString());
  if (saved.firstBarMs !== now.firstBarMs) out.push(`first bar time differs (saved ${iso(saved.firstBarMs)}; data ${iso(now.firstBarMs)})`);
  if (saved.initialCashUsd !== now.initialCashUsd) out.push(`initial cash differs (saved ${saved.initialCashUsd}; now ${now.initialCashUsd})`);
  if (saved.frictionPctRoundTrip !== now.frictionPctRoundTrip) out.push(`friction differs (saved ${saved.frictionPctRoundTrip}%; now ${now.frictionPctRoundTrip}%)`);
  if (JSON.stringify(saved.partialFill) !== JSON.stringify(now.partialFill)) {
    out.push(`partial fills differ (saved ${JSON.stringify(saved.partialFill)}; now ${JSON.stringify(now.partialFill)})`);
  }
  return out;
}

function readSnapshot(file: string): Snapshot {
  let snap: Snapshot;
  try {
    snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  } catch (e) {
    throw new Error(`exchange state ${file} is unreadable: ${(e as Error).message}`, { cause: e });
  }
  if (snap.format !== FORMAT) throw new Error(`exchange state ${file} has format ${JSON.stringify(snap.format)}, not ${FORMAT}`);
  return snap;
}

/** The first `bytes` of the log, parsed; the file is cut to that length (later bytes belong to no snapshot). */
function readLog(log: string, bytes: number): LogRecord[] {
  if (bytes === 0) {
    if (existsSync(log)) rmSync(log);
    return [];
  }
  const buf = existsSync(log) ? readFileSync(log) : Buffer.alloc(0);
  if (buf.length < bytes) throw new Error(`exchange history ${log} is shorter (${buf.length} bytes) than its snapshot says (${bytes})`);
  if (buf.length > bytes) {
    const fd = openSync(log, "r+");
    try {
      ftruncateSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
  }
  return buf
    .subarray(0, bytes)
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as LogRecord);
}

function groupOpen(root: Working): boolean {
  return isOpen(root.order) || root.legs.some((l) => isOpen(l.order));
}

function savedOrder(w: Working): SavedOrder {
  const { legs: _legs, ...order } = w.order;
  return {
    order, qty: w.qty, filledQty: w.filledQty, filledNotional: w.filledNotional,
    limit: Number.isNaN(w.limit) ? null : w.limit, stop: Number.isNaN(w.stop) ? null : w.stop,
    arrivalMs: w.arrivalMs, split: w.split, expiryMs: Number.isFinite(w.expiryMs) ? w.expiryMs : null, seq: w.seq,
    ...(w.doomed ? { doomed: true } : {}),
  };
}

function savedGroup(root: Working): SavedGroup {
  return { root: savedOrder(root), legs: root.legs.map(savedOrder) };
}

function toWorking(s: SavedOrder): Working {
  return {
    order: { ...s.order, legs: null }, qty: s.qty, filledQty: s.filledQty, filledNotional: s.filledNotional,
    limit: s.limit ?? NaN, stop: s.stop ?? NaN, arrivalMs: s.arrivalMs, split: s.split,
    expiryMs: s.expiryMs ?? Infinity, legs: [], reserves: true, seq: s.seq, doomed: s.doomed ?? false,
  };
}

function toGroup(g: SavedGroup): Working {
  const root = toWorking(g.root);
  const legs = g.legs.map(toWorking);
  // Same shapes as Book.exitLegs: an oco's root is its limit leg; a bracket's legs are [limit, stop].
  if (legs.length > 0) linkExitPair(root, legs.length === 2 ? legs[0] : root, legs[legs.length - 1]);
  return root;
}
