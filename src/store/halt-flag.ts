import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../io/atomic-file.ts";

/**
 * `<state>/HALT`: the kill switch. While the file exists the daemon on that state folder opens no
 * new positions (it still manages, protects and exits the open ones); `sizewise halt` writes it,
 * an emergency condition (config `risk.emergency`) writes it, and only `sizewise resume` (or
 * deleting the file) lifts it. A file, not a signal: it works with the daemon down, survives
 * restarts, and an operator can see and make it with nothing but a shell.
 */

export const HALT_FILE = "HALT";
const MAX_REASON_CHARS = 500;

export interface HaltFlag {
  readonly reason: string;
  /** Who halted: the operator (`sizewise halt`, or any file put there) or an emergency condition. */
  readonly source: "manual" | "emergency";
  /** When it was written (wall clock, ISO). */
  readonly at: string;
  /** The market clock at the time (a replay's clock on the local exchange), when the daemon wrote it. */
  readonly marketTime?: string;
}

export function haltFlagPath(stateDir: string): string {
  return join(stateDir, HALT_FILE);
}

/** A reason as it may be stored and journaled: one line, no control characters, bounded. */
export function cleanReason(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const one = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return (one.length > MAX_REASON_CHARS ? `${one.slice(0, MAX_REASON_CHARS)}...` : one) || "no reason given";
}

/** Writes the flag (atomically, mode 0600; the folder is made 0700 when missing). */
export function writeHaltFlag(stateDir: string, flag: HaltFlag): void {
  writeFileAtomicSync(haltFlagPath(stateDir), `${JSON.stringify({ ...flag, reason: cleanReason(flag.reason) }, null, 2)}\n`);
}

/**
 * The flag, or null when there is none. Any file at that path halts: one that cannot be read as
 * a flag (hand-made, cut short) still halts, with a reason saying so, since failing open would
 * trade through an operator's stop.
 */
export function readHaltFlag(stateDir: string): HaltFlag | null {
  const file = haltFlagPath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    return { reason: `${file} exists but cannot be read (${(e as Error).message})`, source: "manual", at: "" };
  }
  try {
    const raw = JSON.parse(text) as Partial<HaltFlag> | null;
    if (raw === null || typeof raw !== "object" || typeof raw.reason !== "string") throw new Error("no reason in it");
    return {
      reason: cleanReason(raw.reason),
      source: raw.source === "emergency" ? "emergency" : "manual",
      at: typeof raw.at === "string" ? raw.at : "",
      ...(typeof raw.marketTime === "string" ? { marketTime: raw.marketTime } : {}),
    };
  } catch {
    return { reason: cleanReason(text.trim() === "" ? `empty ${HALT_FILE} file` : `${HALT_FILE} file: ${text}`), source: "manual", at: "" };
  }
}

/** Removes the flag; returns what it said (null when there was none). */
export function clearHaltFlag(stateDir: string): HaltFlag | null {
  const flag = readHaltFlag(stateDir);
  rmSync(haltFlagPath(stateDir), { force: true });
  return flag;
}

/** A cheap fingerprint of the flag file (one stat): it changes when the file appears, goes or is rewritten. */
export function haltFlagSignature(stateDir: string): string {
  const st = statSync(haltFlagPath(stateDir), { throwIfNoEntry: false });
  return st === undefined ? "none" : `${st.ino}:${st.mtimeMs}:${st.size}`;
}
