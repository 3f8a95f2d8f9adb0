import { parentPort, workerData } from "node:worker_threads";
import { MergedBars, type SharedMergedBars } from "../data/merged-bars.ts";
import { mergedData } from "../walkforward/walk-forward.ts";
import { runVariant, type ExperimentSetup, type VariantTask } from "./run-variant.ts";

/** Messages between the pool and a worker. */
export interface WorkerInit {
  readonly bars: SharedMergedBars;
  readonly days: readonly number[];
  readonly setup: ExperimentSetup;
}
export type ToWorker = { readonly type: "run"; readonly task: VariantTask };
export type FromWorker =
  | { readonly type: "result"; readonly result: ReturnType<typeof runVariant> }
  | { readonly type: "error"; readonly index: number; readonly message: string };

// The bars arrive once, in shared memory: every variant of this worker reads the same columns.
const init = workerData as WorkerInit;
const data = mergedData(MergedBars.fromShared(init.bars));
const port = parentPort!;
port.on("message", (m: ToWorker) => {
  let reply: FromWorker;
  try {
    reply = { type: "result", result: runVariant(data, init.days, init.setup, m.task) };
  } catch (e) {
    reply = { type: "error", index: m.task.index, message: (e as Error).stack ?? String(e) };
  }
  port.postMessage(reply);
});
