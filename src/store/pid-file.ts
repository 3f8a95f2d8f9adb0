import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../io/atomic-file.ts";
import { processAlive } from "../io/process-alive.ts";

/**
 * `<state>/daemon.pid`: which process runs the daemon on a state dir, so `status` can say whether
 * it is running and a second `start` on the same state is refused. A file whose process is gone
 * (killed, crashed) is stale: reported as such, and taken over by the next start.
 */

export const PID_FILE = "daemon.pid";

export interface PidRecord {
  readonly pid: number;
  readonly startedAt: string;
  readonly broker: string;
  /** The config file the daemon follows, when it follows one. */
  readonly configFile: string | null;
}

export type PidStatus =
  | { readonly state: "running"; readonly record: PidRecord }
  | { readonly state: "stale"; readonly record: PidRecord }
  | { readonly state: "none" }
  | { readonly state: "unreadable"; readonly problem: string };

export function readPidFile(stateDir: string): PidStatus {
  const file = join(stateDir, PID_FILE);
  if (!existsSync(file)) return { state: "none" };
  let record: PidRecord;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as PidRecord;
  } catch (e) {
    return { state: "unreadable", problem: `${file}: ${(e as Error).message}` };
  }
  if (!Number.isInteger(record?.pid)) return { state: "unreadable", problem: `${file}: no pid in it` };
  return { state: record.pid === process.pid || processAlive(record.pid) ? "running" : "stale", record };
}

/**
 * Marks this process as the state dir's daemon; throws when another live process holds it.
 * Returns the release function (call it on exit; a crash leaves a stale file, which is fine).
 */
export function claimPidFile(stateDir: string, broker: string, configFile: string | null): () => void {
  const held = readPidFile(stateDir);
  if (held.state === "running" && held.record.pid !== process.pid) {
    throw new Error(`the state in ${stateDir} is in use by a running daemon (pid ${held.record.pid}, started ${held.record.startedAt}); stop it first, or use another --state`);
  }
  const file = join(stateDir, PID_FILE);
  const record: PidRecord = { pid: process.pid, startedAt: new Date().toISOString(), broker, configFile };
  writeFileAtomicSync(file, `${JSON.stringify(record)}\n`);
  return () => {
    const now = readPidFile(stateDir);
    if (now.state !== "none" && now.state !== "unreadable" && now.record.pid === process.pid) rmSync(file, { force: true });
  };
}
