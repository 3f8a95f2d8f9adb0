import { closeSync, constants, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileStamp } from "../io/atomic-file.ts";
import { processAlive } from "../io/process-alive.ts";
import type { Book, BookContent } from "./book.ts";
import type { Working } from "./order-classes.ts";
import { isOpen } from "./order-classes.ts";
import type { ChangeRecord, Fingerprint, LogRecord, ReplayState, SavedGroup, Snapshot } from "./persist-format.ts";
import { FORMAT, parseChange, parseLogRecord, parseSnapshot, savedGroup, toGroup } from "./persist-format.ts";
import { fingerprintDiff } from "./replay-tally.ts";
import type { Execution } from "./types.ts";

export type { Fingerprint, ReplayState, Snapshot } from "./persist-format.ts";
export { checkReplay, ReplayTally } from "./replay-tally.ts";

const FILE_MODE = 0o600;

/**
 * Persistence of the local exchange, so it outlives the bot (and a SIGKILL of itself): an order
 * acknowledged to a client is on disk before the client hears of it.
 *
 * Design: three files, so a save costs what CHANGED, not what is open or what ever happened.
 * - `book.changes.jsonl` (the change log): one line per save, appended: the account (cash,
 *   positions, last prices, clock, RNG draws), the replay position, the order groups the save
 *   touched that are still open (whole), the root ids of those that settled, and the history
 *   length. Its cost does not grow with the number of open orders (issue 13, item 4: 3,000 open
 *   orders used to rewrite a 2.7 MB snapshot on every change).
 * - `book.json` (the snapshot): the same state whole, every order group with a member still open.
 *   Written by compaction once the change log outgrows the last snapshot (or `compactBytes`): temp
 *   file in the same dir, mode 0600, rename; then the change log is emptied. Each change line has
 *   a sequence number and the snapshot the last one it folds in, so lines a crash left between the
 *   rename and the emptying are skipped. Amortized, a save writes about twice its own line.
 * - `book.history.jsonl` (the log): append-only records of what can no longer change, order groups
 *   once all their members are terminal and executions. Every change line records how many log
 *   bytes it is consistent with; a restore reads that many and cuts off anything a crash left after.
 * A torn last change line (a write cut short) is dropped and reported: its save never completed,
 * so no client heard of it. No fsync: the threat is a killed process, not a power cut.
 */

/** A saved exchange, ready to continue. */
export interface SavedExchange {
  readonly accountId: string;
  readonly replay: ReplayState;
  readonly content: BookContent;
}

/** How BookStore.open went: the store, what it resumed (or null), and what it had to repair. */
export interface OpenedStore {
  readonly store: BookStore;
  readonly saved: SavedExchange | null;
  /** Repairs made while opening (a torn last change line dropped), one sentence each. */
  readonly warnings: readonly string[];
}

/** Change-log size above which a save compacts (unless the last snapshot is bigger). */
const MIN_COMPACT_BYTES = 256 * 1024;

export class BookStore {
  readonly logFile: string;
  readonly changesFile: string;
  private fd: number;
  private changesFd: number;
  private logBytes: number;
  private changesBytes: number;
  private seq: number;
  private snapshotBytes: number;
  private loggedExecs = 0;
  /** A compaction is due at the next save (the log holds lines from before this process). */
  private compactDue: boolean;
  /** Orders changed since the last save: their groups are written to the change log (or settle into the history). */
  private readonly touched = new Set<string>();
  /** Roots of groups written to the history whose change line has not been written yet (a save failed in between). */
  private pendingSettled: string[] = [];
  private readonly tmp: string;

  private constructor(
    readonly file: string,
    private readonly fingerprint: Fingerprint,
    at: { readonly logBytes: number; readonly seq: number; readonly snapshotBytes: number; readonly compactDue: boolean },
    /** Compact once the change log exceeds this many bytes; undefined: max(256 KiB, the last snapshot's size). */
    private readonly compactBytes?: number,
  ) {
    this.logFile = logFileOf(file);
    this.changesFile = changesFileOf(file);
    this.tmp = `${file}.tmp-${process.pid}`;
    this.logBytes = at.logBytes;
    this.seq = at.seq;
    this.snapshotBytes = at.snapshotBytes;
    this.compactDue = at.compactDue;
    this.changesBytes = 0;
    this.fd = openSync(this.logFile, constants.O_RDWR | constants.O_CREAT, FILE_MODE);
    this.changesFd = openSync(this.changesFile, constants.O_RDWR | constants.O_CREAT, FILE_MODE);
    // Lines already there stay until the compaction due at the first save has folded them in.
    this.changesBytes = statSync(this.changesFile).size;
  }

  /**
   * Opens the store at `file`. Returns what it holds when that can be resumed; throws when it was
   * made for other data or settings, or when a file is missing or damaged (naming the file and the
   * fix); starts fresh (moving a finished replay's files aside) when there is nothing to resume.
   */
  static open(file: string, fingerprint: Fingerprint, opts: { readonly now?: number; readonly compactBytes?: number } = {}): OpenedStore {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    lock(file);
    for (const n of readdirSync(dirname(file))) if (n.startsWith(`${basename(file)}.tmp-`)) rmSync(join(dirname(file), n), { force: true });
    const log = logFileOf(file);
    const changes = changesFileOf(file);
    const nonEmpty = (f: string): boolean => existsSync(f) && statSync(f).size > 0;
    if (!existsSync(file)) {
      // History without its snapshot is a damaged state, not a new one: starting fresh would
      // silently drop every open order and the cash (issue 13, item 2).
      const kept = [log, changes].filter(nonEmpty);
      if (kept.length > 0) {
        throw new Error(
          `exchange state ${file} is missing but ${kept.join(" and ")} ${kept.length > 1 ? "are" : "is"} kept: the book cannot be rebuilt without its snapshot. ` +
            `Restore ${basename(file)} from a backup, or start a new exchange by moving ${dirname(file)} aside (mv ${dirname(file)} ${dirname(file)}.damaged).`,
        );
      }
    }
    const snap = existsSync(file) ? readSnapshot(file) : null;
    const warnings: string[] = [];
    const tail = snap ? readChanges(changes, snap.seq ?? 0, warnings) : [];
    const last = tail.at(-1);
    const replay = last?.replay ?? snap?.replay;
    if (!snap || !replay || replay.done) {
      // A finished replay has nothing to resume.
      for (const f of [file, log, changes]) {
        if (!existsSync(f)) continue;
        if (statSync(f).size === 0) rmSync(f);
        else renameSync(f, `${f}.${fileStamp(opts.now ?? Date.now())}`);
      }
      // The first save writes the snapshot: a change log never exists without one.
      return { store: new BookStore(file, fingerprint, { logBytes: 0, seq: 0, snapshotBytes: 0, compactDue: true }, opts.compactBytes), saved: null, warnings };
    }
    const diff = fingerprintDiff(snap.fingerprint, fingerprint);
    if (diff.length > 0) throw new Error(`exchange state ${file} was saved for other data or settings: ${diff.join("; ")}`);
    const logBytes = last?.logBytes ?? snap.logBytes;
    const records = readLog(log, logBytes, warnings);
    // The open groups: the snapshot's, then each change line's, by root id.
    const open = new Map<string, SavedGroup>(snap.open.map((g) => [g.root.order.id, g]));
    for (const c of tail) {
      for (const id of c.settled) open.delete(id);
      for (const g of c.open) open.set(g.root.order.id, g);
    }
    const settled = records.filter((r) => r.k === "group").map(toGroup);
    const executions: Execution[] = records.filter((r) => r.k === "exec").map(({ k: _k, ...e }) => e);
    const content: BookContent = { account: last?.account ?? snap.account, groups: [...settled, ...[...open.values()].map(toGroup)], executions };
    const at = { logBytes, seq: last?.seq ?? snap.seq ?? 0, snapshotBytes: statSync(file).size, compactDue: true };
    const store = new BookStore(file, fingerprint, at, opts.compactBytes);
    store.loggedExecs = executions.length;
    return { store, saved: { accountId: snap.accountId, replay, content }, warnings };
  }

  /** Starts tracking the book's changes (call before any mutation). */
  attach(book: Book): void {
    book.onUpdate((u) => this.touched.add(u.order.id));
  }

  /**
   * Writes everything a client could have seen: settled groups and new executions to the history,
   * then one change line; compacts when the change log has outgrown the snapshot. Each part is
   * written at its known end, not appended: after a failed write (disk full) the retry overwrites
   * the torn bytes instead of leaving them between records.
   */
  save(book: Book, accountId: string, replay: ReplayState): void {
    let lines = "";
    const seen = new Set<Working>();
    const open: SavedGroup[] = [];
    const settledNow: string[] = [];
    const settledIds: string[] = [];
    for (const id of this.touched) {
      const root = book.groupRoot(id);
      if (!root) continue;
      if (!groupOpen(root)) settledIds.push(id);
      if (seen.has(root)) continue;
      seen.add(root);
      const g = savedGroup(root);
      if (groupOpen(root)) open.push(g);
      else {
        lines += `${JSON.stringify({ k: "group", ...g })}\n`;
        settledNow.push(root.order.id);
      }
    }
    const execs = book.executions();
    for (let i = this.loggedExecs; i < execs.length; i++) lines += `${JSON.stringify({ k: "exec", ...execs[i] })}\n`;
    if (lines) this.logBytes += writeAt(this.fd, lines, this.logBytes);
    // The history part is on disk: a retry after a failure below must not log it twice, but its
    // change line must still say which groups settled.
    this.loggedExecs = execs.length;
    for (const id of settledIds) this.touched.delete(id);
    this.pendingSettled.push(...settledNow);
    const change: ChangeRecord = { seq: this.seq + 1, replay, account: book.account(), logBytes: this.logBytes, open, settled: this.pendingSettled };
    this.changesBytes += writeAt(this.changesFd, `${JSON.stringify(change)}\n`, this.changesBytes);
    // Only now is this save on disk; a throw above leaves the change line to be redone by the next save.
    this.seq = change.seq;
    this.touched.clear();
    this.pendingSettled = [];
    if (this.compactDue || this.changesBytes > (this.compactBytes ?? Math.max(MIN_COMPACT_BYTES, this.snapshotBytes))) this.compact(book, accountId, replay);
  }

  /** Folds the change log into a new snapshot and empties the log (a crash in between is harmless: see the class notes). */
  private compact(book: Book, accountId: string, replay: ReplayState): void {
    const snap: Snapshot = {
      format: FORMAT, fingerprint: this.fingerprint, accountId, replay, account: book.account(),
      open: book.openGroups().map(savedGroup), logBytes: this.logBytes, seq: this.seq,
    };
    const text = JSON.stringify(snap);
    writeFileSync(this.tmp, text, { mode: FILE_MODE });
    renameSync(this.tmp, this.file);
    ftruncateSync(this.changesFd, 0);
    this.changesBytes = 0;
    this.snapshotBytes = Buffer.byteLength(text);
    this.compactDue = false;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    closeSync(this.changesFd);
    this.fd = this.changesFd = -1;
    const lockFile = `${this.file}.lock`;
    if (existsSync(lockFile) && readFileSync(lockFile, "utf8").trim() === String(process.pid)) rmSync(lockFile);
  }
}

/** Writes `text` at `offset` in full; returns its byte length. */
function writeAt(fd: number, text: string, offset: number): number {
  const buf = Buffer.from(text, "utf8");
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off, offset + off);
  return buf.length;
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

/** `<dir>/book.json` -> `<dir>/book.changes.jsonl`. */
export function changesFileOf(file: string): string {
  return `${file.replace(/\.json$/, "")}.changes.jsonl`;
}

/** The fix printed with every refusal of a damaged file. */
function fixOf(file: string): string {
  return `restore it from a backup, or start a new exchange by moving ${dirname(file)} aside (mv ${dirname(file)} ${dirname(file)}.damaged)`;
}

function readSnapshot(file: string): Snapshot {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`exchange state ${file} is unreadable: ${(e as Error).message}; ${fixOf(file)}`, { cause: e });
  }
  const snap = parseSnapshot(json);
  if (typeof snap === "string") throw new Error(`exchange state ${file} is not a ${FORMAT} snapshot (${snap}); ${fixOf(file)}`);
  return snap;
}

/**
 * The change lines after snapshot line `fromSeq`, in order. A torn or unreadable LAST line is a
 * save a crash cut short (no client heard of it): dropped, the file cut before it, and reported.
 * A bad line before the last one is damage, refused.
 */
function readChanges(file: string, fromSeq: number, warnings: string[]): ChangeRecord[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  // The element after the last newline: "" when the file ends cleanly, else a line a crash cut short.
  const partial = lines.pop() ?? "";
  const out: ChangeRecord[] = [];
  let good = 0;
  const parse = (l: string): ChangeRecord | string => {
    try {
      return parseChange(JSON.parse(l));
    } catch (e) {
      return (e as Error).message;
    }
  };
  let dropped: string | null = partial === "" ? null : partial;
  for (let i = 0; i < lines.length; i++) {
    const rec = parse(lines[i]);
    if (typeof rec === "string") {
      if (i < lines.length - 1 || dropped !== null) throw new Error(`exchange change log ${file} line ${i + 1} is damaged (${rec}); ${fixOf(file)}`);
      dropped = lines[i];
      break;
    }
    good += Buffer.byteLength(lines[i]) + 1;
    if (rec.seq <= fromSeq) continue; // folded into the snapshot already (a crash before the log was emptied)
    const want = (out.at(-1)?.seq ?? fromSeq) + 1;
    if (rec.seq !== want) throw new Error(`exchange change log ${file} line ${i + 1} has sequence ${rec.seq}, expected ${want}; ${fixOf(file)}`);
    out.push(rec);
  }
  if (dropped !== null) {
    warnings.push(`exchange change log ${file}: dropped a torn last line (${Buffer.byteLength(dropped)} bytes), a save that never completed`);
    const fd = openSync(file, "r+");
    try {
      ftruncateSync(fd, good);
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

/** The first `bytes` of the log, parsed; the file is cut to that length (later bytes belong to no saved state). */
function readLog(log: string, bytes: number, warnings: string[]): LogRecord[] {
  if (bytes === 0) {
    if (existsSync(log)) {
      const size = statSync(log).size;
      if (size > 0) warnings.push(`exchange history ${log}: cut ${size} bytes written after the last completed save`);
      rmSync(log);
    }
    return [];
  }
  const buf = existsSync(log) ? readFileSync(log) : Buffer.alloc(0);
  if (buf.length < bytes) throw new Error(`exchange history ${log} is shorter (${buf.length} bytes) than its snapshot says (${bytes}); ${fixOf(log)}`);
  if (buf.length > bytes) {
    warnings.push(`exchange history ${log}: cut ${buf.length - bytes} bytes written after the last completed save`);
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
    .map((l, i) => {
      let r: LogRecord | string;
      try {
        r = parseLogRecord(JSON.parse(l));
      } catch (e) {
        r = (e as Error).message;
      }
      if (typeof r === "string") throw new Error(`exchange history ${log} record ${i + 1} is damaged (${r}); ${fixOf(log)}`);
      return r;
    });
}

function groupOpen(root: Working): boolean {
  return isOpen(root.order) || root.legs.some((l) => isOpen(l.order));
}

