/** Public surface of the RL size multiplier, so callers import one module rather than six. */
export { DEFAULT_RL_ACTIONS, defaultRlConfig, rlBucketsSchema, rlConfigSchema, rlRewardSchema } from "./config.ts";
export type { RlBucketEdges, RlConfig, RlRewardConfig } from "./config.ts";
export {
  QTABLE_FORMAT,
  QTABLE_VERSION,
  QTableFileError,
  compatibilityProblems,
  loadQTable,
  loadQTableTraining,
  openQTable,
  parseQTable,
  saveQTable,
  serializeQTable,
  tryLoadQTable,
} from "./persist.ts";
export type { LoadResult, QTableFile, QTableFileErrorKind, QTableTraining } from "./persist.ts";
export { NeutralRlPolicy, QLearningPolicy, formatMultiplier } from "./policy.ts";
export type { LearnResult, QLearningPolicyOptions, RlDecision, RlDecisionDetail, RlPolicy, RlStateInput } from "./policy.ts";
export { QTable, epsilonAt } from "./q-table.ts";
export type { ActionChoice, EpsilonDecay, EpsilonSchedule, GreedyRow, QTableOptions, QTableStats } from "./q-table.ts";
export { reward, rewardOf } from "./reward.ts";
export type { TradeOutcome } from "./reward.ts";
export { RlSession } from "./session.ts";
export { UNKNOWN, bucketIndex, bucketLabels, bucketState, stateKey } from "./state.ts";
export type { RlStateBuckets } from "./state.ts";
export { episodeTimeline, scaledReward, trainOnEpisodes } from "./trainer.ts";
export type { PassStats, TrainingEpisode, TrainingHooks, TrainingReport } from "./trainer.ts";
