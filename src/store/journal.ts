import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DIR_MODE, FILE_MODE, removeStrayTemps } from "../io/atomic-file.ts";
import { compactDay, DATE_RE, dayFile, JournalError, readDayFiles, segmentFile } from "./journal-files.ts";
import type { CompactReport, JournalEvent } from "./journal-files.ts";
import { Redactor } from "./redact.ts";

export { JournalError } from "./journal-files.ts";
export type { CompactReport, JournalDay, JournalEvent } from "./journal-files.ts";
export { REDACTED } from "./redact.ts";

/**
 * The daily journal: the audit trail of why the bot did what it did, one file per New York
 * trading date (the caller passes the date; the journal never guesses a time zone).
 */

export const JOURNAL_EVENT_TYPES = [
  "signal",
  "regime",
  "sizing",
  "order_submitted",
  "order_update",
  "fill",
  "exit",
  "reconcile",
  "halt",
  "resume",
  "rejection",
  "summary",
  "schedule",
  "startup",
  "shutdown",
  "state_recovered",
  "error",
  "config_changed",
  "unprotected",
] as const;
export type JournalEventType = (typeof JOURNAL_EVENT_TYPES)[number];
const TYPES: ReadonlySet<string> = new Set(JOURNAL_EVENT_TYPES);
const RESERVED = ["type", "ts", "seq", "run"] as const;

export type JournalPayload = Readonly<Record<string, unknown>>;

export interface JournalOptions {
  /** Values that must never reach disk (API keys, secrets). */
  secrets?: readonly string[];
  now?: () => number;
}

export interface JournalSink {
  /**
   * Appends one event for trading date `date` (YYYY-MM-DD, New York). Returns false, writing
   * nothing, for a second order_submitted of the same clientOrderId: one event per submission.
   */
  append(date: string, type: JournalEventType, payload?: JournalPayload, tsMs?: number): boolean;
  readDay(date: string): JournalEvent[];
  /**
   * Stamps every later event with this run id (field `run`), so readers never count one run's
   * events with another's when two runs share a state dir (and its daily files).
   */
  setRun(runId: string): void;
  close(): void;
}

interface DayState {
  seq: number;
  submitted: Set<string>;
}

abstract class JournalBase implements JournalSink {
  private readonly days = new Map<string, DayState>();
  private readonly redactor: Redactor;
  protected readonly now: () => number;
  /** Strings replaced by redaction so far (an operator can alert on it). */
  redactions = 0;
  /** The run id stamped on events (null until the daemon has chosen its run). */
  private runId: string | null = null;

  protected constructor(opts: JournalOptions) {
    this.redactor = new Redactor(opts.secrets ?? []);
    this.now = opts.now ?? Date.now;
  }

  abstract readDay(date: string): JournalEvent[];

  setRun(runId: string): void {
    this.runId = runId;
  }

  protected abstract writeEvent(date: string, event: JournalEvent): void;
  abstract close(): void;

  private day(date: string): DayState {
    let d = this.days.get(date);
    if (d === undefined) {
      // First touch of a date in this process: continue its seq and know its submissions, so a
      // restart neither reuses seq numbers nor journals a resubmission twice.
      const events = this.readDay(date);
      d = { seq: events.length > 0 ? events[events.length - 1].seq : 0, submitted: new Set() };
      for (const e of events) if (e.type === "order_submitted" && typeof e.clientOrderId === "string") d.submitted.add(submittedKey(e.run, e.clientOrderId));
      this.days.set(date, d);
    }
    return d;
  }

  append(date: string, type: JournalEventType, payload: JournalPayload = {}, tsMs?: number): boolean {
    if (!DATE_RE.test(date)) throw new JournalError(date, "date must be YYYY-MM-DD");
    if (!TYPES.has(type)) throw new JournalError(date, `unknown event type ${String(type)}`);
    for (const k of RESERVED) if (k in payload) throw new JournalError(date, `payload may not set reserved key "${k}"`);
    const { value, redactions } = this.redactor.redact(payload);
    this.redactions += redactions;
    const body = (value ?? {}) as Record<string, unknown>;
    const d = this.day(date);
    let orderId: string | null = null;
    if (type === "order_submitted") {
      orderId = typeof body.clientOrderId === "string" && body.clientOrderId !== "" ? body.clientOrderId : null;
      if (orderId === null) throw new JournalError(date, "order_submitted needs a clientOrderId");
      // Per run: a second run may reuse a client order id; an unstamped (older) event counts for any run.
      if (d.submitted.has(submittedKey(this.runId, orderId)) || d.submitted.has(submittedKey(undefined, orderId))) return false;
    }
    const stamp = this.runId === null ? {} : { run: this.runId };
    const event: JournalEvent = { type, ts: new Date(tsMs ?? this.now()).toISOString(), seq: d.seq + 1, ...stamp, ...body };
    this.writeEvent(date, event);
    // Only after a successful write, so a failed write can be retried without a seq gap.
    d.seq++;
    if (orderId !== null) d.submitted.add(submittedKey(this.runId, orderId));
    return true;
  }
}

const submittedKey = (run: unknown, clientOrderId: string): string => `${typeof run === "string" ? run : ""}|${clientOrderId}`;

export interface JournalFileOptions extends JournalOptions {
  /** fsync after every append (default true). Off only for benchmarks and bulk tests. */
  fsync?: boolean;
  /**
   * Write the events of one turn of the event loop together, at its end (default false). The
   * daemon's choice: a decision's signal and sizing events then cost no disk write before its
   * order leaves. A kill can lose the last turn's events; a restart's replay writes them again
   * (marked recovered), so nothing is lost for good.
   */
  buffered?: boolean;
}

export interface JournalRecovery {
  strayTempsRemoved: string[];
  compacted: CompactReport[];
}

export class Journal extends JournalBase {
  readonly dir: string;
  private readonly fsync: boolean;
  private readonly buffered: boolean;
  /** Buffered events by date, not yet written (see JournalFileOptions.buffered). */
  private pending = new Map<string, JournalEvent[]>();
  private flushQueued = false;
  /** The last deferred write that failed (its events stay pending and are tried again). */
  lastWriteError: Error | null = null;
  private readonly fds = new Map<string, number>();
  /** Dates whose segment may end in a partial line after a failed write. */
  private readonly broken = new Set<string>();
  private recoveryReport: JournalRecovery = { strayTempsRemoved: [], compacted: [] };

  private constructor(stateDir: string, opts: JournalFileOptions) {
    super(opts);
    this.dir = join(stateDir, "journal");
    this.fsync = opts.fsync ?? true;
    this.buffered = opts.buffered ?? false;
  }

  /** What open() repaired; journal it (e.g. as a reconcile or state_recovered event). */
  get recovery(): JournalRecovery {
    return this.recoveryReport;
  }

  /**
   * Opens the journal and recovers what a crash left: stray temp files are removed and every
   * segment is folded into its day document (dropping a cut final line; salvaging whole events
   * of a damaged document, which is kept aside as `.corrupt-<stamp>`).
   */
  static open(stateDir: string, opts: JournalFileOptions = {}): Journal {
    const j = new Journal(stateDir, opts);
    mkdirSync(j.dir, { recursive: true, mode: DIR_MODE });
    const names = readdirSync(j.dir);
    const dates = new Set<string>();
    for (const n of names) {
      const m = /^(\d{4}-\d{2}-\d{2})\.json(l)?(\.tmp-.*)?$/.exec(n);
      if (m !== null) dates.add(m[1]);
    }
    const report: JournalRecovery = { strayTempsRemoved: [], compacted: [] };
    for (const date of [...dates].sort()) {
      report.strayTempsRemoved.push(...removeStrayTemps(dayFile(j.dir, date)));
      const hasSegment = names.includes(`${date}.jsonl`);
      const doc = names.includes(`${date}.json`);
      // A damaged document without a segment is also repaired here, not left for readers to trip on.
      if (hasSegment || (doc && !isWholeDoc(j.dir, date))) report.compacted.push(compactDay(j.dir, date, j.now()));
    }
    j.recoveryReport = report;
    return j;
  }

  readDay(date: string): JournalEvent[] {
    this.flush();
    return readDayFiles(this.dir, date);
  }

  protected writeEvent(date: string, event: JournalEvent): void {
    if (!this.buffered) return this.writeText(date, `${JSON.stringify(event)}\n`);
    const list = this.pending.get(date);
    if (list === undefined) this.pending.set(date, [event]);
    else list.push(event);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Writes the buffered events, oldest date first. A failed write keeps them for the next try. */
  flush(): void {
    if (this.pending.size === 0) return;
    const dates = [...this.pending.keys()].sort();
    for (const date of dates) {
      const events = this.pending.get(date)!;
      try {
        this.writeText(date, `${events.map((e) => JSON.stringify(e)).join("\n")}\n`);
        this.pending.delete(date);
        this.lastWriteError = null;
      } catch (e) {
        this.lastWriteError = e as Error;
        return;
      }
    }
  }

  private writeText(date: string, body: string): void {
    let fd = this.fds.get(date);
    if (fd === undefined) {
      // A new date means the earlier ones are (nearly always) over: fold them now, keeping
      // the number of open segments and file descriptors small.
      for (const old of [...this.fds.keys()]) if (old < date) this.compact(old);
      fd = openSync(segmentFile(this.dir, date), "a", FILE_MODE);
      this.fds.set(date, fd);
    }
    // After a failed write the segment may end mid-line; a newline isolates that fragment.
    const text = `${this.broken.has(date) ? "\n" : ""}${body}`;
    const bytes = Buffer.from(text, "utf8");
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      if (this.fsync) fsyncSync(fd);
      this.broken.delete(date);
    } catch (e) {
      this.broken.add(date);
      throw e;
    }
  }

  /** Folds a day's segment into `<date>.json` (also done on a date change and on close). */
  compact(date: string): CompactReport {
    // Pending events of this date go down first (flush skips nothing older: dates are in order).
    if (this.pending.has(date)) this.flush();
    const fd = this.fds.get(date);
    if (fd !== undefined) {
      closeSync(fd);
      this.fds.delete(date);
    }
    this.broken.delete(date);
    return compactDay(this.dir, date, this.now());
  }

  close(): void {
    this.flush();
    // Only dates appended to by this process have a segment to fold.
    for (const date of [...this.fds.keys()]) this.compact(date);
  }
}

function isWholeDoc(dir: string, date: string): boolean {
  try {
    readDayFiles(dir, date);
    return true;
  } catch {
    return false;
  }
}

/** Events of one trading day, whether compacted or still in its segment. */
export function readJournal(stateDir: string, date: string): JournalEvent[] {
  return readDayFiles(join(stateDir, "journal"), date);
}

/** The in-memory twin: same validation, redaction, seq and one-submission rule. */
export class MemoryJournal extends JournalBase {
  private readonly byDate = new Map<string, JournalEvent[]>();

  constructor(opts: JournalOptions = {}) {
    super(opts);
  }

  readDay(date: string): JournalEvent[] {
    return [...(this.byDate.get(date) ?? [])];
  }

  protected writeEvent(date: string, event: JournalEvent): void {
    // Through JSON, so tests see exactly what the file journal would store.
    const copy = JSON.parse(JSON.stringify(event)) as JournalEvent;
    const list = this.byDate.get(date);
    if (list === undefined) this.byDate.set(date, [copy]);
    else list.push(copy);
  }

  close(): void {}

  /** The `{date, events}` document the file journal would hold for `date`. */
  document(date: string): { date: string; events: JournalEvent[] } {
    return { date, events: this.readDay(date) };
  }
}
