import { NyTime } from "../core/ny-time.ts";

const ny = new NyTime();
const HALF_DAY_MS = 43_200_000;

/**
 * The session (New York calendar day) a daily bar belongs to. Alpaca stamps a 1Day bar 00:00 New
 * York of its session; files converted elsewhere may hold 00:00 UTC of the same date (the shared
 * 1day CSVs do), which is the evening before in New York. Noon after the stamp falls inside the
 * session's day under both readings.
 */
export function sessionDayOf(tMs: number): number {
  return ny.etDay(tMs + HALF_DAY_MS);
}
