import type { BookFacts } from "./integrity.ts";

/** What the chaos driver and its daemon child say to each other (Node IPC, JSON). */

/** The exchange the child runs itself in `--kill-exchange` mode, as `start --local` does. */
export interface EmbeddedExchangeArgs {
  /** The generated replay (the child builds the same series the driver did). */
  readonly seed: number;
  readonly symbols: number;
  readonly days: number;
  readonly initialCashUsd: number;
  readonly partialFill: { readonly fraction: number; readonly seed: number };
  readonly cancelDelayMs?: number;
  readonly rejectAfterAccept?: number;
  readonly faults: boolean;
  /** Seeds this life's fault draws (a new one per life, so lives do not repeat each other). */
  readonly faultSeed: number;
}

export interface ChildArgs {
  /** The driver's exchange; ignored when `embedded` is set. */
  readonly url: string;
  readonly stateDir: string;
  readonly symbols: readonly string[];
  /** Raw config overrides (parsed with the schema in the child). */
  readonly config: unknown;
  readonly runStartMs: number;
  readonly runEndMs: number;
  /** Per-request deadline: short, so a slow answer becomes an ambiguous failure quickly. */
  readonly timeoutMs: number;
  /** Set: the exchange lives in the child and persists under `<stateDir>/exchange/`, so a SIGKILL takes both down. */
  readonly embedded?: EmbeddedExchangeArgs;
}

/** What the driver knows of an exchange living in the child (sent with every answer). */
export interface ExchangeView {
  readonly nowMs: number;
  readonly done: boolean;
  readonly barsPublished: number;
  readonly fillsPublished: number;
  readonly partiallyFilled: boolean;
  /** Faults this life injected so far. */
  readonly faults: Readonly<Record<string, number>>;
}

export type DriverMessage =
  | { readonly type: "status" }
  | { readonly type: "stop" }
  | { readonly type: "arm-post-kill" }
  /** Embedded mode: replay one minute and answer at once (the bot takes it afterwards). */
  | { readonly type: "step" }
  /** Embedded mode: cut both streams. */
  | { readonly type: "drop-streams" };

export type ChildMessage =
  | { readonly type: "ready"; readonly recovery: { resumed: boolean; adoptedOrders: number; posted: number; missedEntries: number; flags: readonly string[] }; readonly exchange?: ExchangeView }
  | { readonly type: "status"; readonly bars: number; readonly fills: number; readonly idle: boolean; readonly exchange?: ExchangeView }
  | { readonly type: "stepped"; readonly exchange: ExchangeView }
  /** `book`: the embedded exchange's book at the end (the driver checks the zero-counts against it). */
  | { readonly type: "stopped"; readonly trades: number; readonly exchange?: ExchangeView; readonly book?: BookFacts };

export interface ChaosTrade {
  readonly symbol: string;
  readonly entryTime: string;
  readonly exitTime: string;
  readonly shares: number;
  readonly pnlUsd: number;
  readonly exitReason: string;
}
