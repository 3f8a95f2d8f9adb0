/** What the chaos driver and its daemon child say to each other (Node IPC, JSON). */

export interface ChildArgs {
  readonly url: string;
  readonly stateDir: string;
  readonly symbols: readonly string[];
  /** Raw config overrides (parsed with the schema in the child). */
  readonly config: unknown;
  readonly runStartMs: number;
  readonly runEndMs: number;
  /** Per-request deadline: short, so a slow answer becomes an ambiguous failure quickly. */
  readonly timeoutMs: number;
}

export type DriverMessage = { readonly type: "status" } | { readonly type: "stop" } | { readonly type: "arm-post-kill" };

export type ChildMessage =
  | { readonly type: "ready"; readonly recovery: { resumed: boolean; adoptedOrders: number; posted: number; missedEntries: number; flags: readonly string[] } }
  | { readonly type: "status"; readonly bars: number; readonly fills: number; readonly idle: boolean }
  | { readonly type: "stopped"; readonly trades: number };

export interface ChaosTrade {
  readonly symbol: string;
  readonly entryTime: string;
  readonly exitTime: string;
  readonly shares: number;
  readonly pnlUsd: number;
  readonly exitReason: string;
}
