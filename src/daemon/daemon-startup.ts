import { DueAtPosition } from "./due-at-position.ts";
import { beginRun } from "./run-start.ts";
import { isSizingMode } from "../sizing/pipeline.ts";
import type { FeedBar, Execution, ReplayedEnd } from "../broker/port.ts";
import type { RunRecord } from "../store/state-store.ts";
import type { ModeSwitch } from "../store/intent-log.ts";
import { reconcile } from "./reconcile.ts";
import { compareWithBroker, isBrokerOpen } from "./order-check.ts";
import { chooseRun } from "./run-choice.ts";
import type { RecoveryReport } from "./daemon-options.ts";
import type { StartupHost } from "./startup-host.ts";
import { warmUpDaily } from "./warm-up.ts";

export type { StartupHost } from "./startup-host.ts";

/**
 * The daemon's start-up, apart from its live loop: choose the run (resume or begin one), replay
 * it from its start through a fresh engine with the venue in recovery mode (orders adopted by
 * client order id, fills from the broker's activities, duplicate journal events dropped), send
 * only what the broker lacks, then reconcile positions, orders and cash with the broker.
 */

/** The run to resume, or a new one (journaled with why). */
export function chooseRunFor(h: StartupHost, cashUsd: number): RunRecord {
  const o = h.o;
  const prev = h.store.getRun();
  const c = chooseRun({ prev, config: o.config, broker: o.broker, symbols: o.symbols, resume: o.resume, nowMs: o.clock.nowMs(), newRunStartMs: o.newRunStartMs, cashUsd });
  h.run = c.run;
  h.journal.setRun(c.run.id);
  h.resumed = c.resumed;
  if (c.resumed) {
    if (c.configChanged) h.journal.append(h.today(), "reconcile", { kind: "config_changed", detail: "the config differs from the one this run started with; the replay uses the new one" });
  } else {
    h.store.resetRun(c.run);
    h.intentLog.reset();
    if (prev !== null) h.journal.append(h.today(), "reconcile", { kind: "new_run", why: c.why, previousRun: prev.id });
  }
  h.regime = beginRun(
    { stateDir: o.stateDir, config: o.config, learning: h.learning, journal: h.journal, log: o.log, today: () => h.today(), nowMs: () => o.clock.nowMs() },
    c.run.id,
    c.resumed,
  );
  return c.run;
}


/**
 * Replays the run from its start through the engine with the venue in recovery mode, then
 * sends what the broker lacks and reconciles. A new run replays its warm-up bars the same way
 * (the broker has no orders of it yet).
 */
export async function recoverRun(h: StartupHost, run: RunRecord): Promise<RecoveryReport> {
  const o = h.o;
  // What the last process saved of its orders, before the replay rebuilds them.
  const savedOrders = h.resumed ? h.store.getOrderSnapshots() : [];
  const [orders, executions, minuteBars, dailyBars] = await Promise.all([
    o.port.ordersSince(run.startMs),
    o.port.executionsSince(run.startMs),
    h.historyBars(run.startMs),
    h.historyDailyBars(run.startMs),
  ]);
  const bars = replayItems(h, minuteBars, dailyBars);
  // A decision on the last bar the broker has is at the live edge (its entry is sent, not dropped as missed).
  const edgeMs = Math.max(minuteBars.length > 0 ? minuteBars[minuteBars.length - 1].tMs : -Infinity, dailyBars.length > 0 ? Math.max(...dailyBars.map((b) => b.tMs)) : -Infinity);
  const adoptedBefore = h.venue.adoptedOrders;
  const missedBefore = h.venue.missedEntries;
  const logged = h.intentLog.read();
  h.killSwitch.beginReplay(run.initialCashUsd, logged.switches);
  h.fillsSeenAt = logged.fillsSeen;
  h.refusedAt = logged.rejectedAt;
  const modeSwitches = new DueAtPosition(logged.modeSwitches);
  // The run's decisions before its first live switch were made in the mode it switched from.
  const firstMode = modeSwitches.first?.from;
  if (firstMode !== undefined && isSizingMode(firstMode, o.config.sizing.modes)) h.sizer = h.sizerFor(firstMode);
  h.venue.beginRecovery(orders, edgeMs, logged.rejected);
  h.venue.setCash(run.initialCashUsd);
  h.engine.setStartingEquity(run.initialCashUsd);
  // Before the run's first bar: the daily strategies' history (anchored to the run's start, see warm-up.ts).
  h.warmedUpBars = await warmUpDaily(h, run.startMs).catch((e: unknown) => {
    o.log.warn({ err: (e as Error).message }, "daily warm-up bars could not be fetched: the daily strategies start cold");
    return 0;
  });
  if (h.warmedUpBars > 0) o.log.info({ bars: h.warmedUpBars, sessions: h.dailyWarmupBars }, "daily strategies warmed up on the sessions before the run");
  h.journal.beginReplay();
  const fillsBefore = h.venue.fillsSeen;
  let leftovers: Execution[];
  try {
    leftovers = replayRun(h, bars, executions, modeSwitches);
    // Sessions the replay saw close whose `d` the REST history lacks are closed from their minutes.
    h.daily.advance(minuteBars.length > 0 ? minuteBars[minuteBars.length - 1].tMs + 60_000 : -Infinity);
  } finally {
    h.journal.endReplay();
    h.replayMs = null;
  }
  h.killSwitch.endReplay();
  // The config now in force wins: a mode changed while the bot was down applies from here on.
  h.setSizingMode(o.config.sizing.mode, "config at start");
  // A halt that came on while the bot was down holds back the entries the replay decided at the edge.
  const halt = h.killSwitch.halted;
  const sent = h.venue.finishRecovery((i) => (halt !== null && i.purpose === "entry" ? `not sent: entries are halted (${halt})` : null));
  for (const held of sent.held) {
    h.journal.append(h.today(), "reconcile", { kind: "held_back", clientOrderId: held.clientOrderId, reason: held.reason });
    h.engine.onOrderEnded({ clientOrderId: held.clientOrderId, status: "rejected", reason: held.reason, timeMs: h.nowMs() });
  }
  // What recovery sends must be answered before the broker is compared with the engine: an
  // order whose answer is still out would otherwise look like an orphan. Bounded: a broker
  // that does not answer is the venue's to resolve (look-ups), not a reason not to start.
  await h.venue.settled(15_000);
  const flags = await reconcile({ port: o.port, venue: h.venue, symbols: o.symbols, strategyPrefixes: h.strategyIds.map((id) => `${id}.`), closeUnknown: o.config.daemon.closeUnknownPositions, leftovers, journal: (d) => h.journal.append(h.today(), "reconcile", d), nowMs: () => h.nowMs(), fillsPending: (sym) => h.heldUpdates.some((u) => (u.event === "fill" || u.event === "partial_fill") && u.order.symbol === sym), refuse: (why) => h.killSwitch.external(why) });
  for (const d of compareWithBroker(savedOrders, orders)) {
    // Moved while the bot was down: journaled. Flagged only when the rebuilt order still disagrees with the broker.
    const rebuilt = h.venue.orders.get(d.clientOrderId);
    const agrees = rebuilt !== undefined && d.broker !== null && rebuilt.finished === !isBrokerOpen(d.broker);
    h.journal.append(h.today(), "reconcile", { kind: "order_changed", ...d, rebuilt: rebuilt?.status ?? null });
    if (!agrees) flags.push(`order ${d.clientOrderId}: saved ${d.saved}, the broker has ${d.broker ?? "no such order"}, rebuilt ${rebuilt?.status ?? "not at all"}`);
  }
  const report: RecoveryReport = {
    resumed: h.resumed,
    replayedBars: bars.bars.length,
    appliedFills: h.venue.fillsSeen - fillsBefore,
    adoptedOrders: h.venue.adoptedOrders - adoptedBefore,
    posted: sent.posted,
    canceled: sent.canceled,
    missedEntries: h.venue.missedEntries - missedBefore,
    journalEventsAdded: h.journal.added,
    flags,
  };
  h.journal.append(h.today(), "reconcile", { kind: "startup", ...report });
  for (const f of flags) o.log.warn({ flag: f }, "reconcile");
  if (flags.length > 0) o.alerts?.notify({ kind: "reconcile", differences: flags.map(String), timeMs: h.nowMs() });
  o.log.info({ ...report, posted: report.posted.length, canceled: report.canceled.length }, "recovered");
  h.saveLearning();
  h.afterActivity();
  return report;
}

/** The replay's bars: minute bars and daily bars, each daily one at its close's last minute (after that minute's bars). */
interface ReplayItems {
  readonly bars: readonly FeedBar[];
  /** Daily bars by identity, with the minute they sit in. */
  readonly dailySlot: ReadonlyMap<FeedBar, number>;
}

function replayItems(h: StartupHost, minuteBars: readonly FeedBar[], dailyBars: readonly FeedBar[]): ReplayItems {
  if (dailyBars.length === 0) return { bars: minuteBars, dailySlot: new Map() };
  const dailySlot = new Map<FeedBar, number>();
  for (const b of dailyBars) {
    const closeMs = h.daily.closeOfBar(b);
    if (Number.isFinite(closeMs)) dailySlot.set(b, closeMs - 60_000);
  }
  const order = new Map(h.o.symbols.map((s, i) => [s, i]));
  const all = [...minuteBars, ...dailySlot.keys()];
  const at = (b: FeedBar): number => dailySlot.get(b) ?? b.tMs;
  // Stable: minute bars keep their order; a daily bar goes after the minute bars of its slot.
  all.sort((a, b) => at(a) - at(b) || Number(dailySlot.has(a)) - Number(dailySlot.has(b)) || (dailySlot.has(a) ? (order.get(a.symbol) ?? 0) - (order.get(b.symbol) ?? 0) : 0));
  return { bars: all, dailySlot };
}

/** Bars and fills in the order the live bot saw them (see replayInOrder); returns fills no order explains. */
function replayRun(h: StartupHost, items: ReplayItems, execs: readonly Execution[], modeSwitches: DueAtPosition<ModeSwitch>): Execution[] {
  const pending: ReplayedEnd[] = [];
  // A refusal reaches the replay where it reached the run (its recorded bar position), and
  // never before the order it refuses exists; an old log line without a position: at once.
  const hear = (all: boolean): void => {
    const here = h.barPosition();
    for (let i = 0; i < pending.length; ) {
      const at = h.refusedAt.get(pending[i].clientOrderId);
      if (all || at === undefined || at <= here) {
        const [r] = pending.splice(i, 1);
        h.venue.replayRefusal(r.clientOrderId, r.reason, r.endedAs);
      } else i++;
    }
  };
  const switchModes = (all: boolean): void =>
    modeSwitches.take(all ? Infinity : h.barPosition(), (s) => {
      if (isSizingMode(s.to, h.o.config.sizing.modes)) h.setSizingMode(s.to, "replayed live switch");
    });
  const left = h.merge(
    items.bars,
    execs,
    (b) => {
      switchModes(false);
      pending.push(...h.venue.takeReplayedRefusals());
      hear(false);
      const slot = items.dailySlot.get(b);
      if (slot === undefined) {
        h.replayMs = b.tMs + 60_000;
        h.ingestBar(b);
      } else {
        h.replayMs = slot + 60_000;
        h.replayDaily(b);
      }
      pending.push(...h.venue.takeReplayedRefusals());
      hear(false);
    },
    (b) => items.dailySlot.get(b) ?? b.tMs,
  );
  pending.push(...h.venue.takeReplayedRefusals());
  hear(true);
  switchModes(true);
  return left;
}

