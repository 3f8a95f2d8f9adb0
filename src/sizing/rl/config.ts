import { z } from "zod";

/**
 * Config of the RL size multiplier (SPEC section 3, "RL"). Mounted into the main config as
 * `sizing.rl`; every key has SPEC's default and a description so the docs and JSON Schema follow.
 */

/** Edges must rise strictly: a bucket is the half-open interval [edge_i, edge_i+1). */
function edgesSchema(defaults: number[], what: string) {
  return z
    .array(z.number().finite())
    .min(1)
    .max(12)
    .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]), { message: "edges must be strictly increasing" })
    .default(defaults)
    .describe(
      `${what} bucket edges; N edges make N+1 half-open buckets [lo, hi) (below the first, between, at or above the last). ` +
        "A non-finite input goes to the 'unknown' bucket.",
    );
}

export const rlBucketsSchema = z
  .object({
    volatility: edgesSchema(
      [0.8, 1.2, 1.5],
      "Volatility ratio (ATR / its average): low <0.8, mid 0.8-1.2, high 1.2-1.5, extreme >=1.5.",
    ),
    trend: edgesSchema(
      [0.4, 0.6],
      "Trend strength (fraction of higher highs over the last 20 bars, 0..1; ~0.5 is a random walk): low <0.4, mid 0.4-0.6, high >=0.6. Use e.g. [20, 25] if ADX is fed instead.",
    ),
    confidence: edgesSchema(
      [0.65, 0.75, 0.85],
      "Calibrated win probability p: <0.65, 0.65-0.75, 0.75-0.85, >=0.85 (the confidence-multiplier steps); NaN = unknown.",
    ),
    drawdownPct: edgesSchema(
      [2, 5, 10],
      "Equity drawdown from the high-water mark in % (magnitude): <2%, 2-5%, 5-10%, >=10% (the dd cutback step).",
    ),
  })
  .strict();

export const rlRewardSchema = z
  .object({
    pnlScale: z.number().finite().min(0).default(10).describe("Reward per 1% of P/L: reward = pnl% x this + bonus - penalty."),
    bigWinR: z.number().finite().default(2).describe("A trade whose R multiple is at least this earns the bonus."),
    bigWinBonus: z.number().finite().min(0).default(5).describe("Bonus added when R >= bigWinR."),
    drawdownLimitPct: z.number().finite().min(0).default(5).describe("Penalty when the drawdown (magnitude, %) is strictly beyond this."),
    drawdownPenalty: z.number().finite().min(0).default(10).describe("Penalty subtracted when the drawdown is beyond drawdownLimitPct."),
    drawdownScalesWithSize: z
      .boolean()
      .default(true)
      .describe(
        "Training only: the episode's drawdown is the trade's own (at base size) and grows with the multiplier like its P/L. " +
          "Set false when episodes carry an account drawdown that this trade's size does not change.",
      ),
  })
  .strict();

/** SPEC's action set: the size multipliers the agent may choose. */
export const DEFAULT_RL_ACTIONS: readonly number[] = Object.freeze([0.5, 0.75, 1.0, 1.25, 1.5, 2.0]);

export const rlConfigSchema = z
  .object({
    actions: z
      .array(z.number().finite().positive())
      .min(1)
      .max(32)
      .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]), { message: "actions must be strictly increasing" })
      .refine((xs) => xs.includes(1), { message: "actions must include 1 (the neutral multiplier an untrained state picks)" })
      .default(() => [...DEFAULT_RL_ACTIONS])
      .describe("Size multipliers the agent chooses from (SPEC: 0.5, 0.75, 1.0, 1.25, 1.5, 2.0). Must include 1."),
    alpha: z.number().gt(0).max(1).default(0.1).describe("Learning rate: Q <- Q + alpha x (reward - Q)."),
    initialQ: z
      .number()
      .finite()
      .default(0)
      .describe("Q value of a never-tried (state, action); ties resolve to 1.0x, so an untrained table is neutral."),
    epsilonStart: z.number().min(0).max(1).default(0.2).describe("Exploration rate of a fresh table."),
    epsilonMin: z.number().min(0).max(1).default(0.05).describe("Exploration floor reached after epsilonDecayUpdates updates."),
    epsilonDecay: z
      .enum(["linear", "exponential"])
      .default("linear")
      .describe("Shape of the decay from epsilonStart to epsilonMin (both reach the floor exactly at epsilonDecayUpdates)."),
    epsilonDecayUpdates: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe("Q updates (closed trades learned) over which epsilon decays to its floor."),
    explore: z
      .boolean()
      .default(true)
      .describe("Epsilon-greedy when true (training and paper mode); pure greedy when false (evaluation backtests)."),
    learn: z.boolean().default(true).describe("Update the Q-table from closed trades (SPEC: it keeps learning in paper mode)."),
    tablePath: z.string().min(1).default("state/rl-qtable.json").describe("Where the versioned Q-table JSON is persisted."),
    buckets: rlBucketsSchema.default(() => rlBucketsSchema.parse({})).describe("State bucket edges."),
    reward: rlRewardSchema.default(() => rlRewardSchema.parse({})).describe("Reward coefficients (SPEC: pnl% x 10 + 5 if R >= 2 - 10 if drawdown beyond 5%)."),
  })
  .strict()
  .refine((c) => c.epsilonMin <= c.epsilonStart, { message: "epsilonMin must not exceed epsilonStart", path: ["epsilonMin"] });

export type RlConfig = z.infer<typeof rlConfigSchema>;
export type RlBucketEdges = z.infer<typeof rlBucketsSchema>;
export type RlRewardConfig = z.infer<typeof rlRewardSchema>;

/** SPEC defaults, parsed fresh each call so callers may not share (and mutate) one object. */
export function defaultRlConfig(): RlConfig {
  return rlConfigSchema.parse({});
}
