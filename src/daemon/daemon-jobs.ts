import type { BrokerPort } from "../broker/port.ts";
import type { DaemonConfig } from "../config/schema.ts";
import { NyTime, etDayToIso } from "../core/ny-time.ts";
import type { Engine } from "../engine/engine.ts";
import type { JournalSink } from "../store/journal.ts";
import { Scheduler, type JobContext, type LiveDriver, type ReplayDriver } from "./schedule.ts";
import { SessionCalendar } from "./session-calendar.ts";

/** The daemon settings the jobs read, with the flatten offset from config.session. */
type JobConfig = DaemonConfig & { readonly flattenMinutesBeforeClose: number };

const DAY_MS = 86_400_000;

export interface JobDeps {
  readonly engine: Engine<unknown>;
  readonly journal: JournalSink;
  readonly equityUsd: () => number;
  readonly error: (where: string, e: unknown) => void;
  /** Told the time of each day's summary job (after the close). */
  readonly afterClose?: (nowMs: number) => void;
}

/**
 * The daemon's scheduled jobs on the broker's calendar: warm-up, flatten (12:55 on a half day),
 * the day's summary, an optional retrain. On a replay they fire on the replay clock as bars pass
 * them (`advance`); on Alpaca they also run on the wall clock (`startLive`).
 */
export class DaemonJobs {
  private readonly ny = new NyTime();
  private readonly summarized = new Set<string>();
  private readonly replay: ReplayDriver;
  private live: LiveDriver | null = null;
  private clockMs = -Infinity;
  private readonly scheduler: Scheduler;

  private constructor(
    /** The broker's calendar the jobs run on; the engine's sessions come from it too. */
    readonly calendar: SessionCalendar,
    cfg: JobConfig,
    fromMs: number,
    private readonly d: JobDeps,
  ) {
    this.scheduler = new Scheduler({
      calendar,
      warmupMinutes: cfg.warmupMinutesBeforeOpen,
      flattenMinutesBeforeClose: cfg.flattenMinutesBeforeClose,
      summaryMinutesAfterClose: cfg.summaryMinutesAfterClose,
      retrainCron: cfg.nightlyRetrain ? "0 20 * * 1-5" : undefined,
      handlers: {
        warmup: (c) => this.note(c, { session: `${new Date(c.session.openMs).toISOString()}..${new Date(c.session.closeMs).toISOString()}` }),
        flatten: (c) => this.note(c, { positions: d.engine.flattenAll("eod") }),
        summary: (c) => {
          d.afterClose?.(c.nowMs);
          this.summarize(etDayToIso(c.etDay), d.equityUsd());
        },
        retrain: (c) => this.note(c, { note: "the learners update online as trades close; nothing to refit" }),
      },
      onError: (err, at) => d.error(`job ${at.job} at ${new Date(at.nowMs).toISOString()}`, err),
    });
    this.replay = this.scheduler.replay(fromMs - 1);
  }

  /** Fetches the calendar from a week before `fromMs` (the run's start) to `untilMs`. */
  static async open(port: BrokerPort, cfg: JobConfig, fromMs: number, untilMs: number, deps: JobDeps): Promise<DaemonJobs> {
    const ny = new NyTime();
    const startMs = fromMs - 7 * DAY_MS;
    const toMs = untilMs;
    const days = await port.calendar(startMs, toMs);
    const iso = (ms: number): string => etDayToIso(ny.etDay(ms));
    const calendar = SessionCalendar.fromAlpaca(days, { from: iso(startMs), to: iso(toMs) });
    return new DaemonJobs(calendar, cfg, fromMs, deps);
  }

  /** Fires the jobs due up to `toMs` on the replay clock (before the bar that starts then). */
  advance(toMs: number): void {
    if (!(toMs > this.clockMs)) return;
    this.clockMs = toMs;
    this.replay.advanceToSync(toMs);
  }

  startLive(): void {
    this.live = this.scheduler.live();
    this.live.start();
  }

  stop(): void {
    this.live?.stop();
    this.replay.stop();
  }

  /**
   * The day's summary, once: at close + 5 min normally, or when the engine closes the day if no
   * job did (a day the calendar does not know, e.g. generated data on a holiday).
   */
  summarize(date: string, equityUsd: number): void {
    if (this.summarized.has(date)) return;
    this.summarized.add(date);
    const trades = this.d.engine.result.trades.filter((t) => etDayToIso(this.ny.etDay(t.exitTimeMs)) === date);
    const wins = trades.filter((t) => t.pnlUsd > 0).length;
    const day = this.d.engine.dayStatus();
    this.d.journal.append(date, "summary", {
      date,
      trades: trades.length,
      wins,
      winRatePct: trades.length > 0 ? (wins / trades.length) * 100 : null,
      pnlUsd: trades.reduce((a, t) => a + t.pnlUsd, 0),
      equityUsd,
      halted: day.day === date ? day.halted : null,
    });
  }

  private note(c: JobContext, detail: Record<string, unknown>): void {
    this.d.journal.append(etDayToIso(c.etDay), "schedule", { job: c.job, at: new Date(c.nowMs).toISOString(), ...detail }, c.nowMs);
  }
}
