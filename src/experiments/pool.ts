import { Worker } from "node:worker_threads";
import type { SharedMergedBars } from "../data/merged-bars.ts";
import type { ExperimentSetup, VariantResult, VariantTask } from "./run-variant.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./worker.ts";

const ENTRY = new URL("./worker-entry.js", import.meta.url);

/**
 * Runs the tasks on `workers` threads, each handed the next task as soon as it is free. Results
 * come back in task order whatever order they finish in, so the output does not depend on timing.
 * The first failure stops every worker and rejects, naming the variant.
 */
export function runInWorkers(
  bars: SharedMergedBars,
  days: readonly number[],
  setup: ExperimentSetup,
  tasks: readonly VariantTask[],
  workers: number,
  onResult?: (r: VariantResult, done: number) => void,
): Promise<VariantResult[]> {
  const results: VariantResult[] = new Array(tasks.length);
  const init: WorkerInit = { bars, days, setup };
  return new Promise((resolve, reject) => {
    const pool: Worker[] = [];
    let next = 0;
    let done = 0;
    let failed = false;
    const stop = (): void => {
      for (const w of pool) void w.terminate();
    };
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      stop();
      reject(e);
    };
    const feed = (w: Worker): void => {
      if (next < tasks.length) w.postMessage({ type: "run", task: tasks[next++] } satisfies ToWorker);
    };
    for (let i = 0; i < Math.min(workers, tasks.length); i++) {
      const w = new Worker(ENTRY, { workerData: init });
      pool.push(w);
      w.on("message", (m: FromWorker) => {
        if (m.type === "error") return fail(new Error(`variant "${tasks[m.index].name}" failed: ${m.message}`));
        results[m.result.index] = m.result;
        onResult?.(m.result, ++done);
        if (done === tasks.length) {
          stop();
          resolve(results);
        } else feed(w);
      });
      w.on("error", (e) => fail(e));
      w.on("exit", (code) => {
        if (code !== 0 && done < tasks.length) fail(new Error(`an experiment worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}
