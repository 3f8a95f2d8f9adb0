/** The wash-trade rule lives with the simulated broker (layers import downward); the exchange uses the same one. */
export { WASH_TRADE_MESSAGE, washTradeConflict } from "../../broker/wash-trade.ts";
export type { WashOrder, WashTradeOptions } from "../../broker/wash-trade.ts";
