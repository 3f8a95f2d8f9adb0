import { createTask, parse, validate, type ScheduledTask } from "node-cron";
import { ET_MINUTE, NyTime, etDayToIso } from "../core/ny-time.ts";
import { dayTimesOf, type DayOffsets, type DayTimes, type Session, type SessionCalendar } from "./session-calendar.ts";

/** Every cron expression here is read as New York wall time. */
export const SCHEDULE_TIMEZONE = "America/New_York";

export type JobName = "warmup" | "flatten" | "summary" | "retrain";

/** What a job is; both drivers read the same list, so live and replay cannot drift apart. */
export interface JobDefinition {
  readonly name: JobName;
  /** node-cron expression (ET): every minute the job can be due, on any session. */
  readonly cron: string;
  /** Whether the job is due at this ET minute of a trading day: cron alone cannot follow half days. */
  readonly isDue: (etMinute: number, times: DayTimes) => boolean;
}

export interface ScheduleOptions extends DayOffsets {
  /** node-cron expression (ET) of the nightly retrain, gated to trading days; omitted = off. */
  readonly retrainCron?: string;
}

export interface JobContext {
  readonly job: JobName;
  /** The scheduled minute (UTC ms), even when the run is late or a replay jumped past it. */
  readonly nowMs: number;
  readonly etDay: number;
  readonly session: Session;
}

export type JobHandler = (ctx: JobContext) => void | Promise<void>;

export interface SchedulerOptions extends ScheduleOptions {
  readonly calendar: SessionCalendar;
  /** A job without a handler is not scheduled. */
  readonly handlers: Partial<Readonly<Record<JobName, JobHandler>>>;
  /** Handler errors, missed live slots and calendar gaps land here; nothing is thrown to the caller. */
  readonly onError: (err: unknown, at: { readonly job: JobName; readonly nowMs: number }) => void;
}

export interface FiredJob {
  readonly job: JobName;
  readonly nowMs: number;
}

const MIN_MS = 60_000;
// Alpaca's sessions: 09:30 open every trading day; 16:00 close, or 13:00 on a half day.
const SESSION_SHAPES = [ET_MINUTE.close, 13 * 60].map((closeMinute) => ({ etDay: 0, openMinute: ET_MINUTE.open, closeMinute, openMs: 0, closeMs: 0 }));

/** A weekday cron firing at each of `etMinutes`; they must share the minute of the hour. */
function weekdayCron(etMinutes: readonly number[]): string {
  const sorted = [...new Set(etMinutes)].sort((a, b) => a - b);
  if (new Set(sorted.map((m) => m % 60)).size !== 1) throw new Error(`one cron line cannot fire at minutes ${sorted.join(", ")}`);
  return `${sorted[0] % 60} ${sorted.map((m) => Math.floor(m / 60)).join(",")} * * 1-5`;
}

/**
 * The daemon's jobs. The warm-up, flatten and summary crons list the minutes the gates can pick
 * on either session shape, computed by the same dayTimesOf as the gates (which also validates
 * the offsets); the gates then choose per day, following the calendar's actual close.
 */
export function jobDefinitions(o: ScheduleOptions): readonly JobDefinition[] {
  const shapes = SESSION_SHAPES.map((s) => dayTimesOf(s, o));
  const cron = (pick: (t: DayTimes) => number): string => weekdayCron(shapes.map(pick));
  const jobs: JobDefinition[] = [
    { name: "warmup", cron: cron((t) => t.warmupMinute), isDue: (m, t) => m === t.warmupMinute },
    { name: "flatten", cron: cron((t) => t.flattenMinute), isDue: (m, t) => m === t.flattenMinute },
    { name: "summary", cron: cron((t) => t.summaryMinute), isDue: (m, t) => m === t.summaryMinute },
  ];
  if (o.retrainCron !== undefined) {
    if (!validate(o.retrainCron)) throw new Error(`retrainCron is not a cron expression: ${JSON.stringify(o.retrainCron)}`);
    jobs.push({ name: "retrain", cron: o.retrainCron, isDue: () => true });
  }
  return jobs;
}

/** The daemon's scheduled jobs, gated by the session calendar, driven live or by a replay clock. */
export class Scheduler {
  readonly jobs: readonly JobDefinition[];
  private calendar: SessionCalendar;
  private readonly ny = new NyTime();

  constructor(private readonly o: SchedulerOptions) {
    this.jobs = jobDefinitions(o).filter((j) => o.handlers[j.name] !== undefined);
    this.calendar = o.calendar;
  }

  /** Swaps in a fresh calendar (the daemon refetches it before the covered range runs out). */
  setCalendar(calendar: SessionCalendar): void {
    this.calendar = calendar;
  }

  /** Runs `job` if its gate passes at the minute starting at `minuteMs`; never throws. */
  async runIfDue(job: JobDefinition, minuteMs: number): Promise<boolean> {
    const due = this.due(job, minuteMs);
    if (due === null) return false;
    try {
      await this.o.handlers[job.name]?.({ job: job.name, nowMs: minuteMs, ...due });
    } catch (err) {
      this.report(err, job.name, minuteMs);
    }
    return true;
  }

  /**
   * runIfDue without waiting: the handler runs before this returns (a bar-driven replay must fire
   * the flatten before the next bar, and cannot await). An async handler's rejection is still reported.
   */
  runIfDueSync(job: JobDefinition, minuteMs: number): boolean {
    const due = this.due(job, minuteMs);
    if (due === null) return false;
    try {
      const r = this.o.handlers[job.name]?.({ job: job.name, nowMs: minuteMs, ...due });
      if (r instanceof Promise) r.catch((err: unknown) => this.report(err, job.name, minuteMs));
    } catch (err) {
      this.report(err, job.name, minuteMs);
    }
    return true;
  }

  private due(job: JobDefinition, minuteMs: number): { etDay: number; session: Session } | null {
    const etDay = this.ny.etDay(minuteMs);
    const session = this.calendar.session(etDay);
    if (!session) {
      // A holiday is silent; a day the calendar does not know would silently skip a flatten.
      if (!this.calendar.covers(etDay)) this.report(new Error(`session calendar does not cover ${etDayToIso(etDay)}; refresh it`), job.name, minuteMs);
      return null;
    }
    return job.isDue(this.ny.etMinute(minuteMs), dayTimesOf(session, this.o)) ? { etDay, session } : null;
  }

  /** Hands an error to onError; for the drivers, which must not throw into node-cron or the replay loop. */
  report(err: unknown, job: JobName, nowMs: number): void {
    try {
      this.o.onError(err, { job, nowMs });
    } catch {
      // The error sink itself failed; there is nowhere left to report to, and the schedule must go on.
    }
  }

  live(): LiveDriver {
    return new LiveDriver(this);
  }

  /** A replay driver whose clock starts at `fromMs` (exclusive: a job due exactly then does not fire). */
  replay(fromMs: number): ReplayDriver {
    return new ReplayDriver(this, fromMs);
  }
}

/**
 * node-cron tasks on the wall clock. Runs are chained so a late catch-up never overlaps the next
 * job and flatten finishes before summary starts; a handler that never settles holds the rest.
 */
export class LiveDriver {
  private active: ScheduledTask[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly s: Scheduler) {}

  get tasks(): readonly ScheduledTask[] {
    return this.active;
  }

  start(): void {
    if (this.active.length > 0) return;
    this.active = this.s.jobs.map((def) => {
      const run = (date: Date): Promise<unknown> => (this.chain = this.chain.then(() => this.s.runIfDue(def, Math.floor(date.getTime() / MIN_MS) * MIN_MS)));
      // A minute of tolerance: a GC pause or busy loop at 15:54:59 must not drop the flatten.
      const task = createTask(def.cron, (ctx) => run(ctx.date), { timezone: SCHEDULE_TIMEZONE, name: `sizewise:${def.name}`, missedExecutionTolerance: 59_000 });
      // Later than that (the machine slept), run anyway as the replay driver would, and say so.
      task.on("execution:missed", (ctx) => {
        this.s.report(new Error(`${def.name} slot ${ctx.date.toISOString()} was missed; running it late`), def.name, ctx.date.getTime());
        void run(ctx.date);
      });
      void task.start();
      return task;
    });
  }

  /** Destroys the tasks, which also drops them from node-cron's process-wide registry. */
  stop(): void {
    for (const t of this.active) void t.destroy();
    this.active = [];
  }
}

/** Fires jobs as a replay clock moves: every matching minute in (previous, now], in time order. */
export class ReplayDriver {
  private readonly matchers: { def: JobDefinition; task: ScheduledTask; minutesOfHour: ReadonlySet<number> }[];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly s: Scheduler,
    private lastMs: number,
  ) {
    // Never started, so no timers: the tasks are here for node-cron's own timezone-aware matcher.
    this.matchers = s.jobs.map((def) => ({
      def,
      task: createTask(def.cron, () => undefined, { timezone: SCHEDULE_TIMEZONE, name: `sizewise:replay:${def.name}` }),
      minutesOfHour: new Set(parse(def.cron).minute),
    }));
  }

  /** Moves the clock to `nowMs` and runs what came due, awaiting each handler; calls queue up in order. */
  advanceTo(nowMs: number): Promise<FiredJob[]> {
    const step = this.chain.then(() => this.step(nowMs));
    this.chain = step.catch(() => undefined);
    return step;
  }

  /** Drops the matcher tasks from node-cron's process-wide registry. */
  stop(): void {
    for (const m of this.matchers) void m.task.destroy();
  }

  /** advanceTo for synchronous handlers: every job due in (last, nowMs] has run when this returns. */
  advanceToSync(nowMs: number): FiredJob[] {
    const fired: FiredJob[] = [];
    for (const [def, m] of this.dueMinutes(nowMs)) if (this.s.runIfDueSync(def, m)) fired.push({ job: def.name, nowMs: m });
    return fired;
  }

  private async step(nowMs: number): Promise<FiredJob[]> {
    const fired: FiredJob[] = [];
    for (const [def, m] of this.dueMinutes(nowMs)) if (await this.s.runIfDue(def, m)) fired.push({ job: def.name, nowMs: m });
    return fired;
  }

  /** The (job, minute) pairs whose cron matches a minute in (last, nowMs], in time order; moves the clock. */
  private dueMinutes(nowMs: number): [JobDefinition, number][] {
    if (nowMs < this.lastMs) throw new RangeError(`replay clock went back from ${new Date(this.lastMs).toISOString()} to ${new Date(nowMs).toISOString()}`);
    const out: [JobDefinition, number][] = [];
    for (let m = Math.floor(this.lastMs / MIN_MS) * MIN_MS + MIN_MS; m <= nowMs; m += MIN_MS) {
      // New York's offset is whole hours, so the UTC minute of the hour is the ET one: a cheap
      // pre-filter that spares node-cron's Intl-based match on 59 of 60 minutes.
      const minuteOfHour = (m / MIN_MS) % 60;
      for (const x of this.matchers) {
        if (x.minutesOfHour.has(minuteOfHour) && x.task.match(new Date(m))) out.push([x.def, m]);
      }
    }
    this.lastMs = nowMs;
    return out;
  }
}
