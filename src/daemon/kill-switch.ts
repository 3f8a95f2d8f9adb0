import type { EmergencyConfig } from "../config/schema.ts";
import { EmergencyMonitor } from "../risk/emergency.ts";
import { haltFlagSignature, readHaltFlag, writeHaltFlag, type HaltFlag } from "../store/halt-flag.ts";
import { DueAtPosition } from "./due-at-position.ts";
import type { HaltSwitch } from "../store/intent-log.ts";

export interface KillSwitchDeps {
  readonly stateDir: string;
  readonly engine: {
    haltEntries(reason: string, tMs: number): void;
    resumeEntries(reason: string, tMs: number): boolean;
  };
  /** Records a turn of the switch at a point of the bar sequence (the write-ahead intent log). */
  readonly record: (s: HaltSwitch) => void;
  readonly warn: (detail: Record<string, unknown>, msg: string) => void;
  /** The market clock (the replay clock on the local exchange). */
  readonly nowMs: () => number;
  /** Where in the bar sequence the engine is (see barPosition). */
  readonly position: () => number;
  /** Events the start-up replay had to add to the journal (those already on disk are dropped). */
  readonly journalAdded: () => number;
  readonly emergency: EmergencyConfig;
  /** sizing.drawdown.haltAtPct: the drawdown ladder's emergency level. */
  readonly drawdownHaltPct: number;
}

function flagReason(f: HaltFlag): string {
  return f.source === "emergency" ? f.reason : `kill switch (HALT flag): ${f.reason}`;
}

/**
 * The daemon's kill switch: the HALT flag file (see halt-flag.ts) and the emergency conditions of
 * `risk.emergency`, turned into the engine's haltEntries / resumeEntries.
 *
 * The flag is read with one stat at the start of each bar minute, not per bar. A turn it causes is
 * an input from outside the run: it is recorded at its point of the bar sequence before the engine
 * hears of it, and a restart's replay turns the switch at the same points, so the rebuilt run
 * decides the entries the live one decided and no others. An emergency trip is the run's own
 * doing: the replay meets it again at the same event, so only its flag file needs care. Live, the
 * flag is written before the engine halts; in the replay, a trip the journal does not already hold
 * never completed (or happened while the bot was down), and its flag is written at the live edge.
 * At the edge the flag file decides: a flag that appeared while the bot was down halts, one
 * removed (sizewise resume) resumes.
 */
export class KillSwitch {
  private active: string | null = null;
  private flagSig = "unread";
  private replay: DueAtPosition<HaltSwitch> | null = null;
  /** An emergency trip the replay found that no flag may hold yet: written at the edge unless resumed meanwhile. */
  private unpersisted: string | null = null;
  private readonly monitor: EmergencyMonitor;
  halts = 0;
  resumes = 0;

  constructor(private readonly d: KillSwitchDeps) {
    this.monitor = new EmergencyMonitor(d.emergency, d.drawdownHaltPct);
  }

  /** Why new entries are halted by the switch, or null. */
  get halted(): string | null {
    return this.active;
  }

  /** The run's replay starts from the run's first equity; the turns it recorded come back at their points. */
  beginReplay(startEquityUsd: number, switches: readonly HaltSwitch[]): void {
    this.monitor.begin(startEquityUsd);
    this.replay = new DueAtPosition(switches);
  }

  /** The replay reached the live edge: from here the flag file decides. */
  endReplay(): void {
    const r = this.replay;
    this.replay = null;
    if (r !== null) this.applyRecorded(r, Infinity);
    this.flagSig = haltFlagSignature(this.d.stateDir);
    const flag = readHaltFlag(this.d.stateDir);
    if (flag !== null) {
      this.unpersisted = null;
      if (this.active === null) this.turn("halt", flagReason(flag));
      return;
    }
    if (this.active === null) return;
    if (this.unpersisted !== null) {
      this.persist(this.unpersisted);
      this.unpersisted = null;
      return;
    }
    this.turn("resume", "HALT flag removed while the daemon was down");
  }

  /** A new bar minute starts: in the replay, the turns recorded up to here; live, one stat of the flag file. */
  onNewMinute(): void {
    if (this.replay !== null) return this.applyRecorded(this.replay, this.d.position());
    const sig = haltFlagSignature(this.d.stateDir);
    if (sig === this.flagSig) return;
    this.flagSig = sig;
    const flag = readHaltFlag(this.d.stateDir);
    if (flag !== null && this.active === null) this.turn("halt", flagReason(flag));
    else if (flag === null && this.active !== null) this.turn("resume", "HALT flag removed (sizewise resume)");
  }

  /** A session ended (losing sessions in a row; its equity also counts for the drawdown). */
  dayEnd(day: string, equityUsd: number): void {
    const why = this.monitor.dayEnd(day, equityUsd) ?? this.monitor.equity(equityUsd);
    this.trip(why);
  }

  /** A trade closed: equity against the run's high-water mark. */
  equity(equityUsd: number): void {
    this.trip(this.monitor.equity(equityUsd));
  }

  /** The engine halted for the day on the daily loss limit. */
  dailyLoss(reason: string): void {
    this.trip(this.monitor.dailyLoss(reason));
  }

  /**
   * A fault found outside the engine (reconcile refused the broker's figures): the same emergency
   * path as the engine's own trips, so the HALT flag holds entries until `sizewise resume`.
   */
  external(why: string): void {
    this.trip(why);
  }

  private trip(why: string | null): void {
    if (why === null || this.active !== null) return;
    const reason = `emergency: ${why}`;
    if (this.replay === null) {
      // Disk first: a kill right after this leaves the flag, and the replay meets the trip again.
      this.persist(reason);
      return this.halt(reason);
    }
    const before = this.d.journalAdded();
    this.halt(reason);
    this.unpersisted = this.d.journalAdded() > before ? reason : null;
  }

  private persist(reason: string): void {
    writeHaltFlag(this.d.stateDir, { reason, source: "emergency", at: new Date().toISOString(), marketTime: new Date(this.d.nowMs()).toISOString() });
    this.flagSig = haltFlagSignature(this.d.stateDir);
    this.d.warn({ reason }, "emergency halt: HALT flag written; `sizewise resume` lifts it");
  }

  private applyRecorded(r: DueAtPosition<HaltSwitch>, upTo: number): void {
    r.take(upTo, (s) => {
      if (s.kind === "halt" && this.active === null) this.halt(s.reason);
      else if (s.kind === "resume" && this.active !== null) {
        this.unpersisted = null;
        this.resume(s.reason);
      }
    });
  }

  /** A turn from outside the run: recorded at its point before the engine hears of it. */
  private turn(kind: "halt" | "resume", reason: string): void {
    this.d.record({ kind, reason, at: this.d.position() });
    if (kind === "halt") this.halt(reason);
    else this.resume(reason);
  }

  private halt(reason: string): void {
    this.active = reason;
    this.halts++;
    this.d.engine.haltEntries(reason, this.d.nowMs());
    if (this.replay === null) this.d.warn({ reason }, "new entries halted; open positions are still managed");
  }

  private resume(reason: string): void {
    this.active = null;
    this.resumes++;
    this.d.engine.resumeEntries(reason, this.d.nowMs());
    if (this.replay === null) this.d.warn({ reason }, "new entries resumed");
  }
}
