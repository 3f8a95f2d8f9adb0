import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BarSource } from "../core/bars.ts";
import { DIR_MODE, FILE_MODE } from "../io/atomic-file.ts";

/**
 * The holdout ledger: one JSON line per evaluation of a holdout, in the state folder.
 *
 * A holdout is only out of sample the first time anyone looks at it: a choice made after seeing
 * its figures (a tweak, another variant) has been tuned on it. A single invocation can promise to
 * look once; only a record kept across invocations can say whether it was looked at before. Each
 * evaluation records the data hash of the holdout's bars, the holdout range, the command or plan
 * and the time; a second evaluation of the same range on the same bars warns loudly and every
 * report says how many times it has been evaluated (issue 17).
 */

export const HOLDOUT_LEDGER_FILE = "holdout-ledger.jsonl";

export interface HoldoutLedgerEntry {
  /** When the evaluation ran (ISO 8601, from the injected clock). */
  readonly at: string;
  /** SHA-1 of the holdout window's bars (see {@link holdoutDataHash}). */
  readonly dataHash: string;
  readonly holdout: { readonly from: string; readonly to: string; readonly days: number };
  /** The command that looked (e.g. "walkforward", "experiments"). */
  readonly command: string;
  /** The experiment plan, when one ran; null for a plain walk-forward. */
  readonly plan: string | null;
  /** The variants (or modes) whose figures on the holdout were shown. */
  readonly evaluated: readonly string[];
}

export interface LedgerRecord {
  /** Evaluations of this holdout on these bars, this one included. */
  readonly evaluations: number;
  /** The earlier ones, oldest first. */
  readonly previous: readonly HoldoutLedgerEntry[];
  /** Ledger lines that could not be read (kept in the file, counted, otherwise ignored). */
  readonly unreadableLines: number;
}

export function ledgerPath(stateDir: string): string {
  return join(stateDir, HOLDOUT_LEDGER_FILE);
}

/**
 * SHA-1 of a window's bars: the symbol list, then each batch's columns as stored. Two runs over
 * the same files give the same hash; any changed, added or removed bar in the window changes it.
 * Consumes the source.
 */
export function holdoutDataHash(source: BarSource): string {
  const h = createHash("sha1").update(JSON.stringify(source.symbols));
  for (let b = source.nextBatch(); b !== null; b = source.nextBatch()) {
    const n = b.length;
    for (const col of [b.symId, b.tMs, b.open, b.high, b.low, b.close, b.volume]) h.update(new Uint8Array(col.buffer, col.byteOffset, n * col.BYTES_PER_ELEMENT));
  }
  source.close?.();
  return h.digest("hex");
}

function isEntry(x: unknown): x is HoldoutLedgerEntry {
  if (typeof x !== "object" || x === null) return false;
  const e = x as Record<string, unknown>;
  const h = e.holdout as Record<string, unknown> | undefined;
  return typeof e.at === "string" && typeof e.dataHash === "string" && typeof e.command === "string" && typeof h === "object" && h !== null && typeof h.from === "string" && typeof h.to === "string";
}

/** Every readable entry of a ledger file (none when it does not exist), and how many lines were not. */
export function readLedger(file: string): { entries: HoldoutLedgerEntry[]; unreadableLines: number } {
  if (!existsSync(file)) return { entries: [], unreadableLines: 0 };
  const entries: HoldoutLedgerEntry[] = [];
  let bad = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const x: unknown = JSON.parse(line);
      if (isEntry(x)) entries.push(x);
      else bad++;
    } catch {
      bad++;
    }
  }
  return { entries, unreadableLines: bad };
}

/** The earlier evaluations of the same holdout range on the same bars. Pure. */
export function sameHoldout(entries: readonly HoldoutLedgerEntry[], e: Pick<HoldoutLedgerEntry, "dataHash" | "holdout">): HoldoutLedgerEntry[] {
  return entries.filter((x) => x.dataHash === e.dataHash && x.holdout.from === e.holdout.from && x.holdout.to === e.holdout.to);
}

/** Appends `entry` to the ledger in `stateDir` and says how many times this holdout has now been evaluated. */
export function recordHoldoutEvaluation(stateDir: string, entry: HoldoutLedgerEntry): LedgerRecord {
  const file = ledgerPath(stateDir);
  const { entries, unreadableLines } = readLedger(file);
  const previous = sameHoldout(entries, entry);
  mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: FILE_MODE });
  return { evaluations: previous.length + 1, previous, unreadableLines };
}

/** How reports label the holdout: "HOLDOUT (evaluated once)", or how many times it has been. */
export function holdoutLabel(evaluations: number): string {
  return evaluations <= 1 ? "HOLDOUT (evaluated once)" : `HOLDOUT (evaluated ${evaluations} times: no longer untouched)`;
}

/** The loud warning for a holdout looked at before; null on the first evaluation. */
export function holdoutWarning(entry: HoldoutLedgerEntry, r: LedgerRecord, file: string): string | null {
  if (r.previous.length === 0) return null;
  const shown = r.previous.slice(-5).map((p) => `${p.at} ${p.command}${p.plan ? ` --plan ${p.plan}` : ""}`);
  return [
    `WARNING: HOLDOUT ${entry.holdout.from}..${entry.holdout.to} on these bars (sha1 ${entry.dataHash.slice(0, 12)}) has now been evaluated ${r.evaluations} times.`,
    `  Earlier: ${shown.join("; ")}${r.previous.length > 5 ? ` (and ${r.previous.length - 5} more)` : ""}.`,
    "  Any choice made after seeing its figures was tuned on it: its figures are no longer out-of-sample evidence. Confirm on data nothing has seen.",
    `  (ledger: ${file})`,
  ].join("\n");
}

/** What a report shows about the ledger next to the holdout's figures. */
export interface HoldoutLedgerJson {
  readonly label: string;
  readonly evaluations: number;
  readonly dataHash: string;
  readonly previous: readonly { readonly at: string; readonly command: string; readonly plan: string | null }[];
}

/**
 * Records one evaluation of a holdout (the bars of `window`, the range `holdout`) and warns through
 * `warn` when it was evaluated before. `nowMs` is the caller's clock.
 */
export function recordHoldout(opts: {
  readonly stateDir: string;
  readonly window: BarSource;
  readonly holdout: HoldoutLedgerEntry["holdout"];
  readonly command: string;
  readonly plan: string | null;
  readonly evaluated: readonly string[];
  readonly nowMs: number;
  readonly warn: (message: string) => void;
}): HoldoutLedgerJson {
  const entry: HoldoutLedgerEntry = { at: new Date(opts.nowMs).toISOString(), dataHash: holdoutDataHash(opts.window), holdout: opts.holdout, command: opts.command, plan: opts.plan, evaluated: opts.evaluated };
  const file = ledgerPath(opts.stateDir);
  const r = recordHoldoutEvaluation(opts.stateDir, entry);
  if (r.unreadableLines > 0) opts.warn(`holdout ledger ${file}: ${r.unreadableLines} unreadable line(s) ignored`);
  const warning = holdoutWarning(entry, r, file);
  if (warning) opts.warn(warning);
  return { label: holdoutLabel(r.evaluations), evaluations: r.evaluations, dataHash: entry.dataHash, previous: r.previous.map((p) => ({ at: p.at, command: p.command, plan: p.plan })) };
}
