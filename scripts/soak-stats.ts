// Pure helpers of scripts/soak.ts (tested in test/soak/soak-stats.test.ts).

/** One sample of the soak: where the replay was and what the process held then. */
export interface SoakSample {
  /** Replayed trading days so far (fractional: minutes / 390). */
  readonly day: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly stateBytes: number;
  readonly trades: number;
}

/** Least-squares slope of y on x; NaN with fewer than two distinct x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

export const MB = 1024 * 1024;

/** RSS and heap trend after the warm-up, in MB per replayed day, with the extremes. */
export function memoryTrend(samples: readonly SoakSample[], warmupDays: number): { rssMbPerDay: number; heapMbPerDay: number; samples: number; rssStartMb: number; rssEndMb: number; rssPeakMb: number } {
  const after = samples.filter((s) => s.day >= warmupDays);
  const days = after.map((s) => s.day);
  const rss = after.map((s) => s.rssBytes / MB);
  return {
    rssMbPerDay: slope(days, rss),
    heapMbPerDay: slope(days, after.map((s) => s.heapUsedBytes / MB)),
    samples: after.length,
    rssStartMb: rss[0] ?? Number.NaN,
    rssEndMb: rss[rss.length - 1] ?? Number.NaN,
    rssPeakMb: Math.max(...samples.map((s) => s.rssBytes / MB)),
  };
}

/**
 * The state file's size against closed trades: its slope (bytes per trade) while the Kelly windows
 * fill, and its extremes. Closed trades themselves leave the state (the ledger prunes finished
 * orders); see stateBreakdown for the bounds.
 */
export function stateGrowth(samples: readonly SoakSample[]): { bytesPerTrade: number; maxBytes: number; minBytes: number } {
  const withState = samples.filter((s) => s.stateBytes > 0);
  return {
    bytesPerTrade: slope(
      withState.map((s) => s.trades),
      withState.map((s) => s.stateBytes),
    ),
    maxBytes: Math.max(0, ...withState.map((s) => s.stateBytes)),
    minBytes: withState.length > 0 ? Math.min(...withState.map((s) => s.stateBytes)) : 0,
  };
}

/** The parts of a state.json and whether each is bounded by config rather than by how many trades closed. */
export interface StateBreakdown {
  readonly bytes: Record<string, number>;
  readonly finishedOrders: number;
  readonly workingOrders: number;
  readonly kellySeries: number;
  readonly longestKellySeries: number;
  readonly kellyWindow: number;
  /** Problems found: a part holding more than its bound. */
  readonly unbounded: string[];
}

/**
 * Reads a state.json for the soak: the ledger keeps at most `maxFinished` finished orders (the
 * rest is history, in the journal), and no Kelly series is longer than its window. Anything else
 * that grew with trades would show as a part whose size the caller sees climbing.
 */
export function stateBreakdown(text: string, maxFinished: number): StateBreakdown {
  const s = JSON.parse(text) as Record<string, unknown> & {
    orders?: Record<string, { status?: string }>;
    kelly?: { window?: number; series?: { rMultiple?: unknown[] }[] };
  };
  const bytes = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, JSON.stringify(v).length]));
  const orders = Object.values(s.orders ?? {});
  const finished = orders.filter((o) => ["filled", "canceled", "rejected", "expired"].includes(String(o.status))).length;
  const series = s.kelly?.series ?? [];
  const window = s.kelly?.window ?? Number.POSITIVE_INFINITY;
  const longest = series.reduce((n, x) => Math.max(n, x.rMultiple?.length ?? 0), 0);
  const unbounded: string[] = [];
  if (finished > maxFinished) unbounded.push(`${finished} finished orders kept (bound ${maxFinished})`);
  if (longest > window) unbounded.push(`a Kelly series of ${longest} trades (window ${window})`);
  return { bytes, finishedOrders: finished, workingOrders: orders.length - finished, kellySeries: series.length, longestKellySeries: longest, kellyWindow: window, unbounded };
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
