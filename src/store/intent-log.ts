import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { OrderIntent } from "../core/types.ts";
import { orderIntentSchema } from "./state-schema.ts";
import { DIR_MODE, FILE_MODE } from "../io/atomic-file.ts";

/** The kill switch turned at a point of the bar sequence (see IntentLog.appendHaltSwitch). */
export interface HaltSwitch {
  readonly kind: "halt" | "resume";
  readonly reason: string;
  readonly at: number;
}

export interface ModeSwitch {
  readonly from: string;
  readonly to: string;
  readonly at: number;
}

/** How an order ended without the engine asking (after its acceptance); absent: its POST was refused. */
export type EndStatus = "rejected" | "canceled" | "expired";

/** An order's end as the run heard it: why, and how (see appendRejection). */
export interface LoggedEnd {
  readonly reason: string;
  readonly endedAs?: EndStatus;
}

export interface IntentEntry {
  readonly clientOrderId: string;
  readonly intent: OrderIntent;
  readonly atMs: number;
}

/**
 * The write-ahead record of every order the daemon is about to send: one JSON line, appended
 * synchronously BEFORE the POST leaves. Rewriting state.json per order would put a whole-file
 * write (and its fsync) between a bar and its order; an append is a few microseconds. A kill at
 * any point leaves either no line (nothing was sent) or a line (it may have been sent: ask the
 * broker by client order id). A cut final line is ignored on read. The file lives for one run.
 */
export class IntentLog {
  private fd: number | null;
  readonly file: string;

  private constructor(file: string) {
    this.file = file;
    this.fd = openSync(file, "a", FILE_MODE);
  }

  static open(stateDir: string): IntentLog {
    mkdirSync(stateDir, { recursive: true, mode: DIR_MODE });
    return new IntentLog(join(stateDir, "intents.jsonl"));
  }

  append(intent: OrderIntent, atMs: number): void {
    if (this.fd === null) throw new Error(`${this.file}: intent log is closed`);
    writeSync(this.fd, `${JSON.stringify({ clientOrderId: intent.clientOrderId, intent, atMs })}\n`);
  }

  /**
   * A refusal that came back after the POST, or (`endedAs`) an order the broker refused, canceled
   * or expired after accepting it. A restart's replay must see it again at the same point (the
   * engine reacted to it), and the broker keeps no record of refused POSTs.
   */
  appendRejection(clientOrderId: string, reason: string, atMs: number, position?: number, endedAs?: EndStatus): void {
    if (this.fd === null) throw new Error(`${this.file}: intent log is closed`);
    writeSync(this.fd, `${JSON.stringify({ clientOrderId, rejected: reason, atMs, at: position, ...(endedAs !== undefined ? { endedAs } : {}) })}\n`);
  }

  /**
   * A fill about to be applied, and where in the bar sequence the bot was (see barPosition).
   * Written before the engine hears of it: a restart's replay puts the fill back at that point.
   */
  appendFillSeen(executionId: string, position: number): void {
    if (this.fd === null) throw new Error(`${this.file}: intent log is closed`);
    writeSync(this.fd, `${JSON.stringify({ fill: executionId, at: position })}\n`);
  }

  /**
   * The kill switch turned (the HALT flag appeared or went) at `position` of the bar sequence (see
   * barPosition). It is an input from outside the run, like a refusal: a restart's replay turns it
   * at the same point, so the rebuilt run takes the entries the live one took, and no others.
   */
  appendHaltSwitch(kind: "halt" | "resume", reason: string, position: number): void {
    if (this.fd === null) throw new Error(`${this.file}: intent log is closed`);
    writeSync(this.fd, `${JSON.stringify({ switch: kind, reason, at: position })}\n`);
  }

  /** A live switch of the sizing mode (the config file changed) at a bar position: the replay switches there too. */
  appendModeSwitch(from: string, to: string, position: number): void {
    if (this.fd === null) throw new Error(`${this.file}: intent log is closed`);
    writeSync(this.fd, `${JSON.stringify({ modeFrom: from, modeTo: to, at: position })}\n`);
  }

  /** Every whole, valid line; a torn or invalid line is skipped and counted. */
  read(): { entries: IntentEntry[]; rejected: Map<string, LoggedEnd>; rejectedAt: Map<string, number>; fillsSeen: Map<string, number>; switches: HaltSwitch[]; modeSwitches: ModeSwitch[]; skipped: number } {
    const modeSwitches: ModeSwitch[] = [];
    const rejected = new Map<string, LoggedEnd>();
    const rejectedAt = new Map<string, number>();
    const fillsSeen = new Map<string, number>();
    const switches: HaltSwitch[] = [];
    if (!existsSync(this.file)) return { entries: [], rejected, rejectedAt, fillsSeen, switches, modeSwitches, skipped: 0 };
    const entries: IntentEntry[] = [];
    let skipped = 0;
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const raw = JSON.parse(line) as { clientOrderId?: unknown; intent?: unknown; atMs?: unknown; rejected?: unknown; endedAs?: unknown; fill?: unknown; at?: unknown; switch?: unknown; reason?: unknown; modeFrom?: unknown; modeTo?: unknown };
        if (typeof raw.modeFrom === "string" && typeof raw.modeTo === "string" && typeof raw.at === "number") {
          modeSwitches.push({ from: raw.modeFrom, to: raw.modeTo, at: raw.at });
          continue;
        }
        if ((raw.switch === "halt" || raw.switch === "resume") && typeof raw.reason === "string" && typeof raw.at === "number") {
          switches.push({ kind: raw.switch, reason: raw.reason, at: raw.at });
          continue;
        }
        if (typeof raw.fill === "string" && typeof raw.at === "number") {
          if (!fillsSeen.has(raw.fill)) fillsSeen.set(raw.fill, raw.at);
          continue;
        }
        if (typeof raw.rejected === "string" && typeof raw.clientOrderId === "string") {
          const endedAs = raw.endedAs === "rejected" || raw.endedAs === "canceled" || raw.endedAs === "expired" ? raw.endedAs : undefined;
          rejected.set(raw.clientOrderId, { reason: raw.rejected, ...(endedAs !== undefined ? { endedAs } : {}) });
          if (typeof raw.at === "number") rejectedAt.set(raw.clientOrderId, raw.at);
          continue;
        }
        const intent = orderIntentSchema.parse(raw.intent);
        if (typeof raw.atMs !== "number" || raw.clientOrderId !== intent.clientOrderId) throw new Error("bad entry");
        entries.push({ clientOrderId: intent.clientOrderId, intent, atMs: raw.atMs });
      } catch {
        skipped++;
      }
    }
    return { entries, rejected, rejectedAt, fillsSeen, switches, modeSwitches, skipped };
  }

  /** Starts a new run: the old run's intents are history (the journal has them). */
  reset(): void {
    this.close();
    closeSync(openSync(this.file, "w", FILE_MODE));
    this.fd = openSync(this.file, "a", FILE_MODE);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
