/**
 * The venue's message shapes are the broker port's (src/broker/port.ts): Alpaca's order, update
 * and execution fields are what the port was modelled on, so the adapter uses them as they are.
 */
export type { BrokerLegLike, BrokerOrderLike, Execution, TradeUpdateLike, VenueObserver } from "../../broker/port.ts";
export { executionOf, fillKey, qtyOf } from "../../broker/executions.ts";
