import { RollingMean } from "./rolling-mean.ts";

/**
 * Simple moving average of volume over the last `period` bars INCLUDING the current one (SPEC:
 * the reclaim bar's volume is compared with an average that contains it).
 */
export class VolumeAverage extends RollingMean {
  constructor(period = 20) {
    super(period, "volume", `volume_avg(${period})`);
  }
}
