import type { BrokerPort, BrokerVenue, Execution } from "../broker/port.ts";
import { implausibleBrokerFigures, type BrokerLimits } from "./broker-plausibility.ts";

const CASH_TOLERANCE_USD = 1;

export interface ReconcileInput {
  readonly port: BrokerPort;
  readonly venue: BrokerVenue;
  readonly symbols: readonly string[];
  /** Client order ids this bot makes start with it: an open order of ours the rebuilt engine does not know is an orphan. */
  /** Client order id prefixes of this bot's strategies (`bear-trap.`, `daily-trend.`): an open order with none is not ours. */
  readonly strategyPrefixes: readonly string[];
  readonly closeUnknown: boolean;
  /** Fills the replay could not attach to any order the engine made. */
  readonly leftovers: readonly Execution[];
  /** Journals one difference as a `reconcile` event. */
  readonly journal?: (detail: Readonly<Record<string, unknown>>) => void;
  readonly nowMs?: () => number;
  /** True while fills of this symbol have arrived but not been applied yet (held stream updates): a difference is then not a broker's sale. */
  readonly fillsPending?: (symbol: string) => boolean;
  /** What broker figures are plausible (defaults: DEFAULT_BROKER_LIMITS). */
  readonly limits?: BrokerLimits;
  /**
   * Broker figures were refused as implausible: the daemon halts entries (the kill switch's
   * emergency path) until a human looks. Called once, with every reason.
   */
  readonly refuse?: (why: string) => void;
}

/**
 * After the replay: the broker is the truth for what is held and working. Each difference is
 * adopted (cash), closed (an orphan order of ours; an unknown position when configured) or
 * flagged, and every one is returned as a line for the journal and the log.
 */
export async function reconcile(r: ReconcileInput): Promise<string[]> {
  const flags: string[] = [];
  const { port, venue } = r;
  const errorMessage = (e: unknown): string => port.errorMessage(e);
  const account = await port.account();
  const brokerCash = account.cashUsd;
  const positions = await port.positions();
  const brokerQty = new Map<string, number>();
  const brokerPrice = new Map<string, number>();
  const figures: { symbol: string; qty: number; priceUsd: number | null }[] = [];
  for (const p of positions) {
    brokerQty.set(p.symbol, p.qty);
    brokerPrice.set(p.symbol, p.currentPriceUsd ?? NaN);
    figures.push({ symbol: p.symbol, qty: p.qty, priceUsd: p.currentPriceUsd });
  }
  // Judged against the run's own equity (the replay's), before anything is adopted.
  const runEquity = venue.equityUsd();
  const refused = implausibleBrokerFigures({ cashUsd: brokerCash, equityUsd: account.equityUsd, positions: figures }, runEquity, r.limits);
  const reasons: string[] = [];
  if (refused.account !== null) {
    reasons.push(refused.account);
    r.journal?.({ kind: "implausible_broker", figure: "account", brokerCash: account.rawCash, brokerEquity: account.rawEquity, botCashUsd: venue.cashUsd, runEquityUsd: runEquity, why: refused.account, adopted: false });
    flags.push(`cash: the broker's figures are refused (${refused.account}); kept the replay's $${venue.cashUsd.toFixed(2)} and halted entries`);
  } else if (Math.abs(brokerCash - venue.cashUsd) > CASH_TOLERANCE_USD) {
    // Fill prices travel as decimal strings, so the bot's running cash and the broker's differ by
    // rounding (cents over a session); only a real difference is adopted and flagged. Keeping the
    // bot's own figure otherwise keeps a resumed run's sizes equal to an uninterrupted one's.
    flags.push(`cash: the replay ends at $${venue.cashUsd.toFixed(2)}, the broker has $${brokerCash.toFixed(2)}; adopted the broker's`);
    venue.setCash(brokerCash);
  }
  for (const [sym, why] of refused.positions) {
    reasons.push(`position ${sym}: ${why}`);
    brokerQty.delete(sym);
    r.journal?.({ kind: "implausible_broker", figure: "position", symbol: sym, why, adopted: false });
    flags.push(`position ${sym}: the broker's figures are refused (${why}); not adopted, entries halted`);
  }
  for (let i = 0; i < r.symbols.length; i++) {
    const sym = r.symbols[i];
    if (refused.positions.has(sym)) continue;
    const mine = venue.heldShares(i);
    const theirs = brokerQty.get(sym) ?? 0;
    brokerQty.delete(sym);
    if (mine === theirs) continue;
    // Fewer shares at the broker: it sold them (a liquidation) without the bot hearing. The
    // engine books that sale as an exit at the broker's price, so it stops managing shares
    // that are gone. More shares at the broker are not the engine's to manage: flagged only.
    const price = brokerPrice.get(sym) ?? venue.lastPriceUsd(i);
    const adopted = theirs >= 0 && theirs < mine && r.fillsPending?.(sym) !== true && venue.adoptPositionChange(i, mine - theirs, Number.isFinite(price) && price > 0 ? price : venue.lastPriceUsd(i), r.nowMs?.() ?? Date.now());
    r.journal?.({ kind: "position_mismatch", symbol: sym, botShares: mine, brokerShares: theirs, adopted });
    flags.push(`position ${sym}: the bot holds ${mine}, the broker ${theirs}${adopted ? `; the ${mine - theirs} sold by the broker booked as broker_liquidation` : ""}`);
  }
  for (const [sym, qty] of brokerQty) {
    if (!r.closeUnknown) {
      flags.push(`position ${sym}: ${qty} shares at the broker that this bot does not trade; left alone (daemon.closeUnknownPositions)`);
      continue;
    }
    try {
      await port.closePosition(sym);
      flags.push(`position ${sym}: ${qty} unknown shares closed`);
    } catch (e) {
      flags.push(`position ${sym}: closing ${qty} unknown shares failed: ${errorMessage(e)}`);
    }
  }
  const open = await port.openOrders();
  for (const o of open) {
    const coid = o.clientOrderId ?? "";
    if (o.id !== undefined && venue.clientIdOf(o.id) !== undefined) continue;
    // Made by the replay but its POST answer is not in yet (an ambiguous failure being looked up): ours, not an orphan.
    if (venue.hasIntent(coid)) continue;
    if (!r.strategyPrefixes.some((p) => coid.startsWith(p))) {
      flags.push(`order ${coid || o.id}: open at the broker, not this bot's; left alone`);
      continue;
    }
    try {
      if (o.id !== undefined) await port.cancelOrder(o.id);
      flags.push(`order ${coid}: an orphan of this bot (no decision of the replay made it); canceled`);
    } catch (e) {
      flags.push(`order ${coid}: canceling the orphan failed: ${errorMessage(e)}`);
    }
  }
  for (const x of r.leftovers) flags.push(`fill ${x.executionId}: ${x.qtyShares} @ ${x.priceUsd} of order ${x.orderId ?? "?"} matches no order the replay made`);
  if (reasons.length > 0) r.refuse?.(`implausible broker figures: ${reasons.join("; ")}`);
  return flags;
}
