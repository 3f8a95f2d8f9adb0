import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileStamp, writeFileAtomicSync } from "../io/atomic-file.ts";

/**
 * On-disk layout of one trading day:
 *   journal/YYYY-MM-DD.json   the compacted document {"date", "events"}, one event per line
 *   journal/YYYY-MM-DD.jsonl  the append segment: one event per line, newer than the .json
 * Appends only touch the segment (O(1) per event); compaction folds it into the .json (temp +
 * rename) and deletes it. Every event carries a per-day `seq`, so a crash between the rename and
 * the delete cannot duplicate events: segment lines with seq <= the document's last are skipped.
 */

export interface JournalEvent {
  readonly type: string;
  readonly ts: string;
  readonly seq: number;
  readonly [key: string]: unknown;
}

export interface JournalDay {
  readonly date: string;
  readonly events: JournalEvent[];
}

export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export class JournalError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = "JournalError";
  }
}

export const dayFile = (dir: string, date: string): string => join(dir, `${date}.json`);
export const segmentFile = (dir: string, date: string): string => join(dir, `${date}.jsonl`);

function isEvent(v: unknown): v is JournalEvent {
  if (v === null || typeof v !== "object") return false;
  const e = v as Record<string, unknown>;
  return typeof e.type === "string" && typeof e.ts === "string" && typeof e.seq === "number" && Number.isInteger(e.seq);
}

export interface SegmentRead {
  events: JournalEvent[];
  /** Lines that were not whole events (a SIGKILL mid-append leaves at most one, at the end). */
  badLines: number;
}

export function parseSegment(text: string): SegmentRead {
  const events: JournalEvent[] = [];
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isEvent(v)) events.push(v);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { events, badLines };
}

/** Parses a day document; null when it is not a whole, valid document. */
export function parseDay(text: string, date: string): JournalDay | null {
  try {
    const v = JSON.parse(text) as { date?: unknown; events?: unknown };
    if (v.date !== date || !Array.isArray(v.events) || !v.events.every(isEvent)) return null;
    return { date, events: v.events };
  } catch {
    return null;
  }
}

/**
 * Recovers whole events from a damaged day document: we write one event per line, so every
 * line that parses (after dropping its trailing comma) is an intact event.
 */
export function salvageDay(text: string): JournalEvent[] {
  const out: JournalEvent[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim().replace(/,$/, "");
    if (!line.startsWith("{") || line.startsWith('{"date"')) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isEvent(v)) out.push(v);
    } catch {
      /* the cut line: nothing whole to keep */
    }
  }
  return out;
}

export function formatDay(day: JournalDay): string {
  const lines = day.events.map((e) => JSON.stringify(e));
  return `{"date":${JSON.stringify(day.date)},"events":[\n${lines.join(",\n")}\n]}\n`;
}

/** Document events followed by the segment's newer events. */
function merge(docEvents: JournalEvent[], segEvents: JournalEvent[]): JournalEvent[] {
  const last = docEvents.length > 0 ? docEvents[docEvents.length - 1].seq : 0;
  return docEvents.concat(segEvents.filter((e) => e.seq > last));
}

function readText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}

/** Read-only view of a day (document + segment). Throws JournalError if the document is damaged. */
export function readDayFiles(dir: string, date: string): JournalEvent[] {
  if (!DATE_RE.test(date)) throw new JournalError(date, "date must be YYYY-MM-DD");
  const docText = readText(dayFile(dir, date));
  let docEvents: JournalEvent[] = [];
  if (docText !== null) {
    const day = parseDay(docText, date);
    if (day === null) throw new JournalError(dayFile(dir, date), "damaged journal document (Journal.open recovers it)");
    docEvents = day.events;
  }
  const segText = readText(segmentFile(dir, date));
  return merge(docEvents, segText === null ? [] : parseSegment(segText).events);
}

export interface CompactReport {
  date: string;
  events: number;
  badSegmentLines: number;
  /** Set when the document was damaged: it was moved here and its whole events salvaged. */
  damagedMovedTo: string | null;
}

/** Folds the segment into the document atomically, then removes the segment. */
export function compactDay(dir: string, date: string, nowMs: number): CompactReport {
  const docPath = dayFile(dir, date);
  const segPath = segmentFile(dir, date);
  const docText = readText(docPath);
  let docEvents: JournalEvent[] = [];
  let damagedMovedTo: string | null = null;
  if (docText !== null) {
    const day = parseDay(docText, date);
    if (day !== null) docEvents = day.events;
    else {
      docEvents = salvageDay(docText);
      damagedMovedTo = `${docPath}.corrupt-${fileStamp(nowMs)}`;
      renameSync(docPath, damagedMovedTo);
    }
  }
  const segText = readText(segPath);
  const seg = segText === null ? { events: [], badLines: 0 } : parseSegment(segText);
  const events = merge(docEvents, seg.events);
  writeFileAtomicSync(docPath, formatDay({ date, events }));
  rmSync(segPath, { force: true });
  return { date, events: events.length, badSegmentLines: seg.badLines, damagedMovedTo };
}
