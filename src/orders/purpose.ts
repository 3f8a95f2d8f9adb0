import type { OrderIntent } from "../core/types.ts";

/**
 * Why an order exists, typed. It is read from the intent's `purpose` and order type when the
 * order is made, never from its client order id (an id is a name, not a record).
 */
export type OrderPurpose =
  | { readonly kind: "entry" }
  | { readonly kind: "add"; readonly index: number }
  | { readonly kind: "target"; readonly label: string }
  | { readonly kind: "stop" }
  | { readonly kind: "exit"; readonly reason: string }
  /** A position change the broker made on its own (a liquidation), adopted as an order. */
  | { readonly kind: "broker"; readonly reason: string };

/** The purpose of an intent: entry and adds are buys; a stop is a stop order; an OCO or a sell limit is a target; any other sell is an exit. */
export function purposeOf(intent: Pick<OrderIntent, "purpose" | "type" | "side">): OrderPurpose {
  const p = intent.purpose;
  if (intent.side === "buy") {
    const add = /^add(\d+)$/.exec(p);
    if (add !== null) return { kind: "add", index: Number(add[1]) };
    return { kind: "entry" };
  }
  if (intent.type === "stop" && p === "stop") return { kind: "stop" };
  if (intent.type === "oco" || intent.type === "limit") return { kind: "target", label: p };
  return { kind: "exit", reason: p };
}

/** The label a fill carries to the engine (Fill.purpose): what the intent said, or for a broker change its reason. */
export function purposeLabel(p: OrderPurpose): string {
  switch (p.kind) {
    case "entry":
      return "entry";
    case "add":
      return `add${p.index}`;
    case "target":
      return p.label;
    case "stop":
      return "stop";
    case "exit":
      return p.reason;
    case "broker":
      return "broker_liquidation";
  }
}
