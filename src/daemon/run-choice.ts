import { createHash, randomUUID } from "node:crypto";
import type { Config } from "../config/schema.ts";
import type { RunRecord } from "../store/state-store.ts";
import type { BrokerKind } from "./daemon-options.ts";

const DAY_MS = 86_400_000;
/** More cash than any brokerage account holds: a broker fault, not a balance. */
export const MAX_PLAUSIBLE_CASH_USD = 1e12;

export interface RunChoiceInput {
  readonly prev: RunRecord | null;
  readonly config: Config;
  readonly broker: BrokerKind;
  readonly symbols: readonly string[];
  /** False: the broker started a new session (the local exchange set a finished replay aside). */
  readonly resume: boolean;
  readonly nowMs: number;
  readonly newRunStartMs: number;
  readonly cashUsd: number;
}

export type RunChoice =
  | { readonly resumed: true; readonly run: RunRecord; readonly configChanged: boolean }
  | { readonly resumed: false; readonly run: RunRecord; readonly why: string | null };

/**
 * The run to resume (same broker and symbols, young enough to replay) or a new one with the
 * reason the old one was left. A pure decision: the daemon journals it and resets the state.
 * Throws when a new run would start from implausible broker cash.
 */
export function chooseRun(i: RunChoiceInput): RunChoice {
  const { prev, config } = i;
  const configHash = createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, 16);
  const tooOld = prev !== null && i.nowMs - prev.startMs > config.daemon.maxReplayDays * DAY_MS;
  const sameSymbols = prev !== null && JSON.stringify(prev.symbols) === JSON.stringify(i.symbols);
  if (i.resume && prev !== null && prev.broker === i.broker && sameSymbols && !tooOld) {
    return { resumed: true, run: prev, configChanged: prev.configHash !== configHash };
  }
  // A new run's sizes scale with the cash it starts from: a figure no account holds (a broker
  // fed a bar at $1e300 once reported $8.7e301) must stop the start, not size every entry.
  if (!(Number.isFinite(i.cashUsd) && Math.abs(i.cashUsd) <= MAX_PLAUSIBLE_CASH_USD)) {
    throw new Error(`the broker reports cash of ${i.cashUsd}: refusing to start a new run from it (its sizes would scale with it); check the broker's account`);
  }
  const why =
    prev === null ? null : !i.resume ? "the broker started a new session" : prev.broker !== i.broker ? `broker changed from ${prev.broker}` : !sameSymbols ? "symbols changed" : `run older than ${config.daemon.maxReplayDays} days`;
  const run: RunRecord = { id: randomUUID(), broker: i.broker, startMs: i.newRunStartMs, symbols: [...i.symbols], initialCashUsd: i.cashUsd, configHash, startedAt: new Date(i.nowMs).toISOString() };
  return { resumed: false, run, why };
}
