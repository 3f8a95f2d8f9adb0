import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { BarSeries } from "../core/bars.ts";
import type { FollowedConfig } from "../daemon/config-follow.ts";
import { userConfigPath } from "../config/user-file.ts";
import { lazyProgressBar } from "./progress.ts";
import { homeDir } from "./home.ts";

/** The config file `start` follows: --config FILE, else config/local.json (optional) when its folder exists. */
export function followedConfig(explicit: string | undefined): FollowedConfig | undefined {
  const path = userConfigPath(explicit, homeDir());
  if (explicit) return { path, optional: false };
  return existsSync(dirname(path)) ? { path, optional: true } : undefined;
}

/** A progress bar over the replay's minutes (lock step only: a paced replay shows its own clock). */
export function replayProgress(series: readonly BarSeries[], speed: "max" | number): { onMinute?: (c: { minute: number }) => void; stop(): void } {
  if (speed !== "max") return { stop: () => {} };
  const minutes = new Set<number>();
  for (const s of series) for (let i = 0; i < s.length; i++) minutes.add(s.tMs[i]);
  // Drawn from the first replayed minute on, after the start-up log lines.
  const bar = lazyProgressBar("replay (minutes)", true);
  return { onMinute: ({ minute }) => bar.update(minute, minutes.size), stop: () => bar.stop() };
}
