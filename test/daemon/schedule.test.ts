import { afterEach, describe, expect, it, vi } from "vitest";
import { createTask, getTasks } from "node-cron";
import { etDayToIso, etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { SessionCalendar } from "../../src/daemon/session-calendar.ts";
import { SCHEDULE_TIMEZONE, Scheduler, jobDefinitions, type JobContext, type JobHandler, type JobName, type SchedulerOptions } from "../../src/daemon/schedule.ts";

const utc = (iso: string): number => Date.parse(iso);
/** UTC instant of a New York wall time, e.g. et("2024-11-29", "12:55"). */
const et = (iso: string, hhmm: string): number => etToUtcMs(isoToEtDay(iso), Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));

/** Alpaca-shaped calendar of every weekday in [from, to], minus holidays, with early closes. */
function calendar(from: string, to: string, holidays: string[] = [], halfDays: string[] = []): SessionCalendar {
  const entries = [];
  for (let d = isoToEtDay(from); d <= isoToEtDay(to); d++) {
    const iso = etDayToIso(d);
    const dow = new Date(`${iso}T12:00:00Z`).getUTCDay();
    if (dow === 0 || dow === 6 || holidays.includes(iso)) continue;
    entries.push({ date: iso, open: "09:30", close: halfDays.includes(iso) ? "13:00" : "16:00" });
  }
  return SessionCalendar.fromAlpaca(entries, { from, to });
}

const NOV = calendar("2024-10-28", "2024-12-06", ["2024-11-28"], ["2024-11-29"]);
const MAR = calendar("2024-03-04", "2024-03-15");

interface Harness {
  scheduler: Scheduler;
  calls: JobContext[];
  fired: () => [JobName, string][];
  errors: { err: unknown; job: JobName; nowMs: number }[];
}

function harness(o: Partial<SchedulerOptions> & { calendar: SessionCalendar }): Harness {
  const calls: JobContext[] = [];
  const errors: Harness["errors"] = [];
  const record: JobHandler = (ctx) => void calls.push(ctx);
  const scheduler = new Scheduler({
    warmupMinutes: 30,
    handlers: { warmup: record, flatten: record, summary: record, retrain: record },
    onError: (err, at) => void errors.push({ err, ...at }),
    ...o,
  });
  return { scheduler, calls, errors, fired: () => calls.map((c) => [c.job, new Date(c.nowMs).toISOString()]) };
}

/** Replays one New York day from midnight to midnight, a minute at a time. */
async function replayDay(h: Harness, iso: string): Promise<void> {
  const start = et(iso, "00:00");
  const driver = h.scheduler.replay(start);
  for (let t = start + 60_000; t <= start + 86_400_000; t += 60_000) await driver.advanceTo(t);
  driver.stop();
}

describe("node-cron's matcher", () => {
  it("honours the timezone option (and needs second 0, as a minute driver gives it)", () => {
    const t = createTask("55 15 * * 1-5", () => undefined, { timezone: SCHEDULE_TIMEZONE });
    expect(t.match(new Date(utc("2024-03-11T19:55:00Z")))).toBe(true); // EDT
    expect(t.match(new Date(utc("2024-03-11T20:55:00Z")))).toBe(false);
    expect(t.match(new Date(utc("2024-03-08T20:55:00Z")))).toBe(true); // EST
    expect(t.match(new Date(utc("2024-03-08T19:55:00Z")))).toBe(false);
    expect(t.match(new Date(utc("2024-03-11T19:55:30Z")))).toBe(false);
    void t.destroy();
  });
});

describe("jobDefinitions", () => {
  it("derives the crons from the warm-up offset and both closing times", () => {
    const crons = (o: Parameters<typeof jobDefinitions>[0]): Record<string, string> => Object.fromEntries(jobDefinitions(o).map((j) => [j.name, j.cron]));
    expect(crons({ warmupMinutes: 30 })).toEqual({ warmup: "0 9 * * 1-5", flatten: "55 12,15 * * 1-5", summary: "5 13,16 * * 1-5" });
    expect(crons({ warmupMinutes: 45, retrainCron: "0 20 * * 1-5" })).toMatchObject({ warmup: "45 8 * * 1-5", retrain: "0 20 * * 1-5" });
    expect(crons({ warmupMinutes: 90, flattenMinutesBeforeClose: 10, summaryMinutesAfterClose: 30 })).toEqual({
      warmup: "0 8 * * 1-5",
      flatten: "50 12,15 * * 1-5",
      summary: "30 13,16 * * 1-5",
    });
  });

  it("refuses a bad warm-up offset or retrain cron", () => {
    expect(() => jobDefinitions({ warmupMinutes: -1 })).toThrow(/warmupMinutes/);
    expect(() => jobDefinitions({ warmupMinutes: 12.5 })).toThrow(/warmupMinutes/);
    expect(() => jobDefinitions({ warmupMinutes: 600 })).toThrow(/warmupMinutes must be an integer in 0..570/);
    expect(() => jobDefinitions({ warmupMinutes: 30, flattenMinutesBeforeClose: 240 })).toThrow(/flattenMinutesBeforeClose/);
    expect(() => jobDefinitions({ warmupMinutes: 30, retrainCron: "every night" })).toThrow(/retrainCron/);
  });
});

describe("Scheduler replay driver", () => {
  it.each([
    ["a normal day: warm-up, flatten at 15:55 ET, summary at 16:05 ET", "2024-11-27", ["14:00", "20:55", "21:05"]],
    ["a half day: flatten at 12:55 ET, summary at 13:05 ET, nothing at 15:55", "2024-11-29", ["14:00", "17:55", "18:05"]],
  ])("fires each job once on %s", async (_what, iso, utcTimes) => {
    const h = harness({ calendar: NOV });
    await replayDay(h, iso);
    expect(h.fired()).toEqual(["warmup", "flatten", "summary"].map((job, i) => [job, `${iso}T${utcTimes[i]}:00.000Z`]));
    expect(h.calls[1]).toMatchObject({ etDay: isoToEtDay(iso), session: { etDay: isoToEtDay(iso) } });
    expect(h.errors).toEqual([]);
  });

  it("moves with configured offsets: flatten 10 minutes before a half day's close", async () => {
    const h = harness({ calendar: NOV, flattenMinutesBeforeClose: 10, summaryMinutesAfterClose: 30 });
    await replayDay(h, "2024-11-29");
    expect(h.fired()).toEqual([
      ["warmup", "2024-11-29T14:00:00.000Z"],
      ["flatten", "2024-11-29T17:50:00.000Z"],
      ["summary", "2024-11-29T18:30:00.000Z"],
    ]);
  });

  it("fires nothing on a holiday or a weekend, and reports nothing", async () => {
    const h = harness({ calendar: NOV, retrainCron: "0 20 * * *" });
    await replayDay(h, "2024-11-28");
    await replayDay(h, "2024-11-30");
    expect(h.calls).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it("fires at the right UTC instants on both sides of each DST switch", async () => {
    const mar = harness({ calendar: MAR });
    await replayDay(mar, "2024-03-08");
    await replayDay(mar, "2024-03-11");
    const nov = harness({ calendar: NOV });
    await replayDay(nov, "2024-11-01");
    await replayDay(nov, "2024-11-04");
    expect(mar.fired().map(([j, t]) => `${j} ${t}`)).toEqual([
      "warmup 2024-03-08T14:00:00.000Z",
      "flatten 2024-03-08T20:55:00.000Z",
      "summary 2024-03-08T21:05:00.000Z",
      "warmup 2024-03-11T13:00:00.000Z",
      "flatten 2024-03-11T19:55:00.000Z",
      "summary 2024-03-11T20:05:00.000Z",
    ]);
    expect(nov.fired().map(([j, t]) => `${j} ${t}`)).toEqual([
      "warmup 2024-11-01T13:00:00.000Z",
      "flatten 2024-11-01T19:55:00.000Z",
      "summary 2024-11-01T20:05:00.000Z",
      "warmup 2024-11-04T14:00:00.000Z",
      "flatten 2024-11-04T20:55:00.000Z",
      "summary 2024-11-04T21:05:00.000Z",
    ]);
  });

  it("a jump over several hours still fires every job it passed, in time order", async () => {
    const h = harness({ calendar: NOV, retrainCron: "0 20 * * 1-5" });
    const driver = h.scheduler.replay(et("2024-11-26", "08:00"));
    const fired = await driver.advanceTo(et("2024-11-27", "23:00"));
    driver.stop();
    expect(fired).toHaveLength(8);
    expect(h.fired().map(([j]) => j)).toEqual(["warmup", "flatten", "summary", "retrain", "warmup", "flatten", "summary", "retrain"]);
    expect(fired.map((f) => f.nowMs)).toEqual(h.calls.map((c) => c.nowMs));
    expect(h.calls[3].nowMs).toBe(et("2024-11-26", "20:00"));
  });

  it("fires a job at most once per minute, however the clock moves within it", async () => {
    const h = harness({ calendar: NOV });
    const driver = h.scheduler.replay(et("2024-11-27", "15:50"));
    for (let t = et("2024-11-27", "15:50"); t <= et("2024-11-27", "16:10"); t += 15_000) await driver.advanceTo(t);
    await driver.advanceTo(et("2024-11-27", "16:10"));
    driver.stop();
    expect(h.fired().map(([j]) => j)).toEqual(["flatten", "summary"]);
  });

  it("does not fire a job due exactly at the starting instant (the window is (previous, now])", async () => {
    const h = harness({ calendar: NOV });
    const driver = h.scheduler.replay(et("2024-11-27", "15:55"));
    await driver.advanceTo(et("2024-11-27", "16:05"));
    driver.stop();
    expect(h.fired().map(([j]) => j)).toEqual(["summary"]);
  });

  it("runs async handlers to completion in order, and routes their errors to onError", async () => {
    const order: string[] = [];
    const boom = new Error("flatten failed");
    const h = harness({
      calendar: NOV,
      handlers: {
        warmup: async () => {
          await new Promise((r) => setTimeout(r, 5));
          order.push("warmup done");
        },
        flatten: async () => {
          order.push("flatten start");
          throw boom;
        },
        summary: () => {
          order.push("summary");
          throw new Error("sync failure");
        },
      },
    });
    const driver = h.scheduler.replay(et("2024-11-27", "00:00"));
    await expect(driver.advanceTo(et("2024-11-27", "23:59"))).resolves.toHaveLength(3);
    driver.stop();
    expect(order).toEqual(["warmup done", "flatten start", "summary"]);
    expect(h.errors.map((e) => [e.err, e.job, e.nowMs])).toEqual([
      [boom, "flatten", et("2024-11-27", "15:55")],
      [new Error("sync failure"), "summary", et("2024-11-27", "16:05")],
    ]);
  });

  it("survives an onError that throws", async () => {
    const h = harness({ calendar: NOV, handlers: { flatten: () => Promise.reject(new Error("x")) }, onError: () => { throw new Error("sink down"); } });
    const driver = h.scheduler.replay(et("2024-11-27", "15:00"));
    await expect(driver.advanceTo(et("2024-11-27", "16:00"))).resolves.toEqual([{ job: "flatten", nowMs: et("2024-11-27", "15:55") }]);
    driver.stop();
  });

  it("schedules only jobs that have a handler, and retrain only when enabled", () => {
    expect(harness({ calendar: NOV }).scheduler.jobs.map((j) => j.name)).toEqual(["warmup", "flatten", "summary"]);
    expect(harness({ calendar: NOV, retrainCron: "0 20 * * 1-5", handlers: { flatten: () => undefined, retrain: () => undefined } }).scheduler.jobs.map((j) => j.name)).toEqual(["flatten", "retrain"]);
  });

  it("reports a day the calendar does not cover instead of silently skipping its flatten", async () => {
    const h = harness({ calendar: NOV });
    const driver = h.scheduler.replay(et("2024-12-09", "15:00"));
    await driver.advanceTo(et("2024-12-09", "16:00"));
    expect(h.calls).toEqual([]);
    expect(h.errors.map((e) => [e.job, String(e.err)])).toEqual([["flatten", "Error: session calendar does not cover 2024-12-09; refresh it"]]);
    h.scheduler.setCalendar(calendar("2024-12-09", "2024-12-13"));
    await driver.advanceTo(et("2024-12-09", "16:10"));
    driver.stop();
    expect(h.fired()).toEqual([["summary", "2024-12-09T21:05:00.000Z"]]);
  });

  it("rejects a clock that goes back", async () => {
    const driver = harness({ calendar: NOV }).scheduler.replay(et("2024-11-27", "12:00"));
    await expect(driver.advanceTo(et("2024-11-27", "11:59"))).rejects.toThrow(RangeError);
    await expect(driver.advanceTo(et("2024-11-27", "12:01"))).resolves.toEqual([]);
    driver.stop();
  });
});

describe("Scheduler live driver", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("registers node-cron tasks in New York time whose next runs follow the calendar's crons", () => {
    vi.useFakeTimers({ now: et("2024-11-29", "12:50") });
    const live = harness({ calendar: NOV, retrainCron: "0 20 * * 1-5" }).scheduler.live();
    live.start();
    const next = Object.fromEntries(live.tasks.map((t) => [t.name, [t.getPattern(), t.getNextRun()?.toISOString()]]));
    expect(next).toEqual({
      "sizewise:warmup": ["0 9 * * 1-5", "2024-12-02T14:00:00.000Z"],
      "sizewise:flatten": ["55 12,15 * * 1-5", "2024-11-29T17:55:00.000Z"],
      "sizewise:summary": ["5 13,16 * * 1-5", "2024-11-29T18:05:00.000Z"],
      "sizewise:retrain": ["0 20 * * 1-5", "2024-11-30T01:00:00.000Z"],
    });
    const tasks = [...live.tasks];
    expect(tasks.every((t) => getTasks().has(t.id))).toBe(true);
    live.stop();
    expect(tasks.map((t) => t.getStatus())).toEqual(["destroyed", "destroyed", "destroyed", "destroyed"]);
    expect(tasks.some((t) => getTasks().has(t.id))).toBe(false);
    expect(live.tasks).toEqual([]);
  });

  it("fires on the wall clock through the same gates: a half day flattens at 12:55, not at 15:55", async () => {
    vi.useFakeTimers({ now: et("2024-11-29", "12:50") });
    const h = harness({ calendar: NOV });
    const live = h.scheduler.live();
    live.start();
    await vi.advanceTimersByTimeAsync(et("2024-11-29", "16:10") - Date.now());
    live.stop();
    expect(h.fired()).toEqual([
      ["flatten", "2024-11-29T17:55:00.000Z"],
      ["summary", "2024-11-29T18:05:00.000Z"],
    ]);
    expect(h.errors).toEqual([]);
  });

  it("runs a slot it missed (the machine slept through 15:55) late, and reports it", async () => {
    vi.useFakeTimers({ now: et("2024-11-27", "15:54") + 50_000 });
    const h = harness({ calendar: NOV });
    const live = h.scheduler.live();
    live.start();
    vi.setSystemTime(et("2024-11-27", "15:57")); // node-cron's heartbeat now lands two minutes late
    await vi.advanceTimersByTimeAsync(30_000);
    live.stop();
    expect(h.fired()).toEqual([["flatten", "2024-11-27T20:55:00.000Z"]]);
    expect(h.errors.map((e) => [e.job, String(e.err)])).toEqual([["flatten", "Error: flatten slot 2024-11-27T20:55:00.000Z was missed; running it late"]]);
  });
});
