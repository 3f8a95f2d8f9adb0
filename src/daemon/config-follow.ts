import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import { configChanges } from "../config/user-file.ts";
import { watchConfig, type ConfigWatch } from "../config/watch.ts";
import type { Daemon } from "./daemon.ts";

/** The user config file a running daemon follows; `optional`: a missing file means the defaults. */
export interface FollowedConfig {
  readonly path: string;
  readonly optional: boolean;
  /** How a re-read file becomes the config (default: parsed as it is); see ConfigWatchOptions.read. */
  readonly read?: (file: string, optional: boolean) => Config;
}

/**
 * Applies edits of the user config file to a running daemon: a changed `sizing.mode` switches the
 * sizer at the next decision (journaled by the daemon as config_changed); any other changed key is
 * journaled as config_changed with applied: false (it takes effect at the next start). A bad edit
 * is refused with the key, the value and what is allowed, and the config in force stays.
 */
export function followConfig(daemon: Daemon, file: FollowedConfig, initial: Config, log: Logger): ConfigWatch {
  const source = file.path;
  return watchConfig({
    file: file.path,
    optional: file.optional,
    read: file.read,
    initial,
    onChange: (next, prev) => {
      for (const c of configChanges(prev, next)) {
        if (c.key === "sizing.mode") {
          daemon.setSizingMode(next.sizing.mode, source, next.sizing);
          continue;
        }
        daemon.journal.append(daemon.today(), "config_changed", { key: c.key, from: c.from ?? null, to: c.to ?? null, applied: false, note: "takes effect at the next start", source });
        log.warn({ key: c.key }, `config ${c.key} changed: takes effect at the next start`);
      }
    },
    onRejected: (message) => {
      log.warn({ file: source }, `config edit refused: ${message}`);
      daemon.journal.append(daemon.today(), "error", { message: `config edit refused: ${message}` });
    },
  });
}
