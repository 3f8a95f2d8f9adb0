/** The held-quantity rule lives with the simulated broker (layers import downward); the exchange uses the same one. */
export { insufficientQtyMessage, qtyAvailability } from "../../broker/held-qty.ts";
export type { HoldingOrder, QtyAvailability } from "../../broker/held-qty.ts";
