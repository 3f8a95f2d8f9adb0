import { z } from "zod";
import { DEFAULT_PLAUSIBILITY as D } from "../data/plausibility.ts";

/**
 * `data.*`: what a bar must look like to be believed. Bar files, generated bars and REST-shaped
 * bars that fail are refused like malformed rows (skipped, counted by reason, named with file and
 * line) and the run goes on (issue 13: one bar at $1e300 ended a run with $8.7e301 of cash).
 */
export const dataSchema = z
  .object({
    minBarDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD")
      .default(D.minBarDate)
      .describe("Bars stamped before this UTC date are refused (a 1970 time is an unset clock, not history)."),
    maxFutureDays: z
      .number()
      .min(0)
      .max(366)
      .default(D.maxFutureDays)
      .describe("Bars stamped more than this many days after now are refused (the day of slack covers clocks and time zones)."),
    minPriceUsd: z.number().positive().default(D.minPriceUsd).describe("A bar whose low is below this price (USD) is refused (Alpaca quotes sub-dollar prices to 4 decimals)."),
    maxPriceUsd: z.number().positive().default(D.maxPriceUsd).describe("A bar whose high is above this price (USD) is refused (the dearest US share trades below $1M)."),
    maxJumpMultiple: z
      .number()
      .gt(1)
      .default(D.maxJumpMultiple)
      .describe(
        "Within one session, a bar whose high is more than this multiple of the symbol's previous accepted close, or whose low is less than that close divided by it, is refused. The real 2024q2 minute bars move at most x1.6 bar to bar.",
      ),
    maxGapJumpMultiple: z
      .number()
      .gt(1)
      .default(D.maxGapJumpMultiple)
      .describe(
        "The same limit across a session boundary (overnight, weekends, daily bars): larger, because raw prices jump at splits (x20.6 at GOOGL's 20:1 split, x17.9 at WKHS's 1:20 reverse split).",
      ),
    jumpConfirmBars: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(D.jumpConfirmBars)
      .describe(
        "After a refused jump, this many jumping bars in a row that agree with one another (each within the limit of the one before) make their price the new reference, the last of them accepted: a split beyond the limit costs that many bars less one, not the rest of the data. 0: a refused level is never adopted.",
      ),
    checkSessions: z
      .boolean()
      .default(D.checkSessions)
      .describe("Refuse bars on days the NYSE calendar is closed (weekends, holidays) and outside 04:00 New York to 4 hours after the close (pre- and post-market are allowed). Daily bars stamped at midnight are judged by their date."),
  })
  .strict()
  .refine((d) => d.minPriceUsd < d.maxPriceUsd, { message: "minPriceUsd must be below maxPriceUsd", path: ["minPriceUsd"] })
  .refine((d) => d.maxGapJumpMultiple >= d.maxJumpMultiple, { message: "maxGapJumpMultiple must be at least maxJumpMultiple", path: ["maxGapJumpMultiple"] });

export type DataConfig = z.infer<typeof dataSchema>;
