import type { EngineEvents } from "./events.ts";

type Observer = (...args: never[]) => void;

/**
 * Several observers of the engine as one: each event goes to every listener that has it, in the
 * order given (the journal first, then alerts). A missing listener set is skipped.
 */
export function mergeEvents(...all: readonly (EngineEvents | null | undefined)[]): EngineEvents {
  const out: Record<string, Observer> = {};
  for (const events of all) {
    if (!events) continue;
    for (const [key, fn] of Object.entries(events) as [string, Observer | undefined][]) {
      if (typeof fn !== "function") continue;
      const prev = out[key];
      out[key] = prev === undefined ? fn : (...args: never[]) => {
        prev(...args);
        fn(...args);
      };
    }
  }
  return out as EngineEvents;
}
