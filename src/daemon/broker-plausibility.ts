/**
 * What reconcile may adopt from the broker. The broker is the truth for what is held, but a
 * figure no account of this run could reach (a replayed bar at $1e300 once left a local exchange
 * with $8.7e301 of cash, and every later entry was sized at the notional cap) is a fault of the
 * broker or its data, not a fact to trade on. Such a figure is refused: reconcile keeps the bot's
 * own, and the daemon halts entries until a human looks (see reconcile.ts).
 */
export interface BrokerLimits {
  /** Cash, equity or a position's value above this multiple of the run's own equity is refused. */
  readonly maxEquityMultiple: number;
  /**
   * Cash below minus this multiple of the run's own equity is refused. Alpaca's account model
   * allows negative cash on a margin account (borrowed buying power, up to 4x intraday for a
   * pattern day trader), so a bit of it is plausible; far beyond that is not.
   */
  readonly maxNegativeCashMultiple: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = { maxEquityMultiple: 10, maxNegativeCashMultiple: 4 };

/** The broker's figures as reconcile reads them (the SDK's decimal strings already turned to numbers). */
export interface BrokerFigures {
  readonly cashUsd: number;
  /** The account's equity; null when the broker did not send one (optional in the SDK's account model). */
  readonly equityUsd: number | null;
  /** priceUsd null: no current price was sent (optional in the SDK's position model). */
  readonly positions: readonly { readonly symbol: string; readonly qty: number; readonly priceUsd: number | null }[];
}

export interface Refusals {
  /** Why cash (and equity, which cash is derived with) cannot be adopted; null: it can. */
  readonly account: string | null;
  /** Symbol -> why that position's figures cannot be adopted. */
  readonly positions: ReadonlyMap<string, string>;
}

const usd = (v: number): string => (Number.isFinite(v) ? `$${v.toPrecision(6)}` : String(v));

/**
 * The broker figures that are not plausible for a run whose own equity is `runEquityUsd`. A run
 * whose own equity is not a positive number cannot judge a multiple: only non-finite figures
 * are refused then.
 */
export function implausibleBrokerFigures(b: BrokerFigures, runEquityUsd: number, limits: BrokerLimits = DEFAULT_BROKER_LIMITS): Refusals {
  const scale = Number.isFinite(runEquityUsd) && runEquityUsd > 0 ? runEquityUsd : null;
  const cap = scale === null ? Infinity : limits.maxEquityMultiple * scale;
  const floor = scale === null ? -Infinity : -limits.maxNegativeCashMultiple * scale;
  const against = scale === null ? "" : ` (the run's own equity is ${usd(scale)})`;
  let account: string | null = null;
  if (!Number.isFinite(b.cashUsd)) account = `cash ${usd(b.cashUsd)} is not a number`;
  else if (b.cashUsd > cap) account = `cash ${usd(b.cashUsd)} is over ${limits.maxEquityMultiple}x the run's own equity${against}`;
  else if (b.cashUsd < floor) account = `cash ${usd(b.cashUsd)} is below -${limits.maxNegativeCashMultiple}x the run's own equity${against}`;
  else if (b.equityUsd === null) account = null;
  else if (!Number.isFinite(b.equityUsd)) account = `equity ${usd(b.equityUsd)} is not a number`;
  else if (b.equityUsd > cap) account = `equity ${usd(b.equityUsd)} is over ${limits.maxEquityMultiple}x the run's own equity${against}`;
  const positions = new Map<string, string>();
  for (const p of b.positions) {
    if (!Number.isFinite(p.qty)) positions.set(p.symbol, `quantity ${p.qty} is not a number`);
    else if (p.priceUsd === null) continue;
    else if (!Number.isFinite(p.priceUsd) || p.priceUsd <= 0) positions.set(p.symbol, `price ${usd(p.priceUsd)} is not a positive number`);
    else if (Math.abs(p.qty * p.priceUsd) > cap) positions.set(p.symbol, `${p.qty} shares at ${usd(p.priceUsd)} are worth over ${limits.maxEquityMultiple}x the run's own equity${against}`);
  }
  return { account, positions };
}
