/** The stop-leg rule lives with the simulated broker (layers import downward); the exchange uses the same one. */
export { STOP_ABOVE_MARKET_MESSAGE, isStopAboveMarketRefusal, sellStopBelowMarket } from "../../broker/stop-legs.ts";
