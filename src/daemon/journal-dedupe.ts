import type { JournalEvent, JournalEventType, JournalPayload, JournalSink } from "../store/journal.ts";

/**
 * The journal as seen while a restart replays the run: the engine re-emits every event it made
 * before the crash, and those are already on disk. An event identical (type and payload) to one
 * the day's file holds is dropped, counted as a multiset so two identical fills stay two; what
 * the journal lacks (made after the last write before the kill, or while the bot was down) is
 * appended with `recovered: true`. Outside a replay it passes everything through.
 */
export class DedupingJournal implements JournalSink {
  private replaying = false;
  private readonly seen = new Map<string, Map<string, number>>();
  /** Events the replay found already journaled / had to add. */
  skipped = 0;
  added = 0;

  /** The run whose replay this is: only its own (or unstamped, older) events count as already journaled. */
  private runId: string | null = null;

  constructor(private readonly inner: JournalSink) {}

  setRun(runId: string): void {
    this.runId = runId;
    this.inner.setRun(runId);
  }

  beginReplay(): void {
    this.replaying = true;
    this.seen.clear();
  }

  endReplay(): void {
    this.replaying = false;
    this.seen.clear();
  }

  append(date: string, type: JournalEventType, payload: JournalPayload = {}, tsMs?: number): boolean {
    if (!this.replaying) return this.inner.append(date, type, payload, tsMs);
    const day = this.dayKeys(date);
    const k = key(type, payload);
    const n = day.get(k) ?? 0;
    if (n > 0) {
      day.set(k, n - 1);
      this.skipped++;
      return false;
    }
    this.added++;
    return this.inner.append(date, type, { ...payload, recovered: true }, tsMs);
  }

  readDay(date: string): JournalEvent[] {
    return this.inner.readDay(date);
  }

  close(): void {
    this.inner.close();
  }

  private dayKeys(date: string): Map<string, number> {
    let m = this.seen.get(date);
    if (m !== undefined) return m;
    m = new Map();
    for (const e of this.inner.readDay(date)) {
      // Another run's identical event (same bars, same decisions) is not this run's.
      if (typeof e.run === "string" && e.run !== this.runId) continue;
      const { type, ts: _ts, seq: _seq, recovered: _r, run: _run, ...payload } = e as JournalEvent & { recovered?: unknown };
      const k = key(type as JournalEventType, payload);
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    this.seen.set(date, m);
    return m;
  }
}

/** Payloads go through JSON on disk, so compare them after the same trip (NaN -> null, undefined dropped). */
function key(type: string, payload: JournalPayload): string {
  return `${type}|${JSON.stringify(payload)}`;
}
