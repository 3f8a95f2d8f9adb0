import { z } from "zod";
import { REGIMES } from "../sizing/regime-port.ts";
import type { TreeNode } from "./tree.ts";

/**
 * The regime model file: versioned JSON with everything needed to use it and to audit it — the
 * feature list, the tree (thresholds and class counts per node), the training period, how many
 * labelled trades it saw, a fingerprint of the bars and the config it was trained with.
 */

export const REGIME_MODEL_FORMAT = "sizewise.regime-model";
export const REGIME_MODEL_VERSION = 1;

const counts = z.array(z.number().int().min(0)).length(REGIMES.length);

const leafSchema = z.object({ kind: z.literal("leaf"), id: z.number().int().min(1), counts }).strict();

const nodeSchema: z.ZodType<TreeNode> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    leafSchema,
    z
      .object({
        kind: z.literal("split"),
        feature: z.string().min(1),
        threshold: z.number().finite(),
        counts,
        below: nodeSchema,
        atOrAbove: nodeSchema,
      })
      .strict(),
  ]),
);

export const regimeModelSchema = z
  .object({
    format: z.literal(REGIME_MODEL_FORMAT),
    version: z.literal(REGIME_MODEL_VERSION),
    /** Wall-clock time the file was written (informational; ages are measured from training.toMs). */
    createdAt: z.string().optional(),
    classes: z.tuple([z.literal("ADD_ALLOWED"), z.literal("ADD_NEUTRAL"), z.literal("NO_ADD")]),
    features: z.array(z.string().min(1)).min(1),
    tree: nodeSchema,
    importance: z.record(z.string(), z.number().min(0).max(1)),
    training: z
      .object({
        /** First bar's start and the end of the last bar (epoch ms): the model has seen [fromMs, toMs). */
        fromMs: z.number().finite(),
        toMs: z.number().finite(),
        from: z.string(),
        to: z.string(),
        samples: z.number().int().min(0),
        trades: z.number().int().min(0),
        /** Trades left out: a feature was missing, or the data ended inside the label horizon. */
        droppedMissingFeature: z.number().int().min(0),
        droppedUnfinished: z.number().int().min(0),
        classCounts: counts,
        bars: z.number().int().min(0),
        symbols: z.array(z.string()),
        dataFingerprint: z.string().regex(/^[0-9a-f]{40}$/),
      })
      .strict()
      .refine((t) => t.fromMs < t.toMs, { message: "training.fromMs must be before training.toMs" }),
    /** The whole config of the training run (labels, strategy, execution, regime settings). */
    config: z.record(z.string(), z.unknown()),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (new Set(m.features).size !== m.features.length) ctx.addIssue({ code: "custom", path: ["features"], message: "a feature is listed twice" });
    const walk = (n: TreeNode, depth: number, path: (string | number)[]): void => {
      if (depth > 3) ctx.addIssue({ code: "custom", path, message: "tree deeper than 3" });
      if (n.kind === "leaf") {
        if (n.counts.every((c) => c === 0)) ctx.addIssue({ code: "custom", path: [...path, "counts"], message: "a leaf without training rows has no probabilities" });
        return;
      }
      if (!m.features.includes(n.feature)) ctx.addIssue({ code: "custom", path: [...path, "feature"], message: `split on "${n.feature}", which is not in features` });
      walk(n.below, depth + 1, [...path, "below"]);
      walk(n.atOrAbove, depth + 1, [...path, "atOrAbove"]);
    };
    walk(m.tree, 0, ["tree"]);
  });

export type RegimeModel = z.infer<typeof regimeModelSchema>;
