/**
 * What the operator is told about, as plain values. The daemon maps its own events onto these
 * (see engine-hooks.ts); the formatter turns one into a line of text.
 */
export type NotifyEvent =
  | { readonly kind: "fill"; readonly symbol: string; readonly side: "buy" | "sell"; readonly qtyShares: number; readonly priceUsd: number; readonly purpose: string; readonly timeMs: number }
  | { readonly kind: "exit"; readonly symbol: string; readonly shares: number; readonly entryPriceUsd: number; readonly exitPriceUsd: number; readonly rMultiple: number; readonly pnlUsd: number; readonly exitReason: string; readonly timeMs: number }
  | { readonly kind: "halt"; readonly reason: string; readonly scope: "day" | "until_resumed"; readonly timeMs: number }
  | { readonly kind: "resume"; readonly reason: string; readonly was: string; readonly timeMs: number }
  | { readonly kind: "error"; readonly message: string; readonly timeMs: number }
  | { readonly kind: "reconcile"; readonly differences: readonly string[]; readonly timeMs: number }
  | { readonly kind: "summary"; readonly day: string; readonly trades: number; readonly wins: number; readonly pnlUsd: number; readonly equityUsd: number; readonly timeMs: number }
  | { readonly kind: "test"; readonly timeMs: number };

export type NotifyKind = NotifyEvent["kind"];
