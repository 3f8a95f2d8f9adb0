import { RollingMean } from "./rolling-mean.ts";

/** Simple moving average of the close over the last `period` bars (current bar included). */
export class Sma extends RollingMean {
  constructor(period = 20) {
    super(period, "close", `sma(${period})`);
  }
}
