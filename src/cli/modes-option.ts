import { ALL_MODES } from "../backtest/compare.ts";
import type { SizingMode } from "../sizing/pipeline.ts";

/** `--modes a,b` of compare and walkforward: built-in modes and the config's own (sizing.modes), an unknown one refused naming both. */
export function parseModes(list: string, own: Readonly<Record<string, readonly string[]>> = {}): SizingMode[] {
  const allowed: readonly string[] = [...ALL_MODES, ...Object.keys(own)];
  const modes = list.split(",").map((m) => m.trim()).filter(Boolean);
  for (const m of modes) if (!allowed.includes(m)) throw new Error(`--modes: unknown mode "${m}" (allowed: ${allowed.join(", ")})`);
  return modes as SizingMode[];
}
