import { existsSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { ConfigError, defaultConfig, parseConfig, type ParseConfigOptions } from "./load.ts";
import type { Config } from "./schema.ts";
import { assertValid, readUserFile } from "./user-file.ts";

/**
 * Follows the user config file of a running process. Editors save by writing in place or by
 * writing a temp file and renaming it over the original (which ends a watch on the file itself),
 * so the folder is watched and events for the file's name are debounced. Every edit is read and
 * validated whole; a bad one is reported and the config in force stays.
 */

export interface ConfigWatchOptions {
  readonly file: string;
  /** The config in force when watching starts. */
  readonly initial: Config;
  /** A missing file means the defaults (config/local.json is optional); otherwise it is an error. */
  readonly optional?: boolean;
  readonly debounceMs?: number;
  /** How the file is read (default readConfigFile): `start` re-applies its --strategy options and file strategies. */
  readonly read?: (file: string, optional: boolean) => Config;
  onChange(next: Config, prev: Config): void;
  onRejected(message: string): void;
}

export interface ConfigWatch {
  /** The config in force (the last good one). */
  readonly current: Config;
  close(): void;
}

/** Reads the file as a whole config, or throws a ConfigError naming the key, value and what is allowed. */
export function readConfigFile(file: string, optional: boolean, opts: ParseConfigOptions = {}): Config {
  if (!existsSync(file)) {
    if (optional) return defaultConfig();
    throw new ConfigError(`cannot read config ${file}: the file is gone`, [file]);
  }
  const raw = readUserFile(file);
  assertValid(raw, file);
  return parseConfig(raw, file, opts);
}

export function watchConfig(o: ConfigWatchOptions): ConfigWatch {
  const dir = dirname(o.file);
  const name = basename(o.file);
  let current = o.initial;
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  let closed = false;
  const check = (): void => {
    timer = null;
    if (closed) return;
    let next: Config;
    try {
      next = (o.read ?? readConfigFile)(o.file, o.optional ?? false);
    } catch (e) {
      o.onRejected(`${(e as Error).message}\nkeeping the config in force`);
      return;
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    const prev = current;
    current = next;
    o.onChange(next, prev);
  };
  try {
    watcher = watch(dir, { persistent: false }, (_event, f) => {
      // Some platforms give no file name; then any change in the folder is checked.
      if (f !== null && f !== name) return;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(check, o.debounceMs ?? 150);
    });
    watcher.on("error", (e) => o.onRejected(`watching ${o.file} failed: ${e.message}`));
  } catch (e) {
    o.onRejected(`cannot watch ${o.file} for changes (${(e as Error).message}): edits apply at the next start`);
  }
  return {
    get current() {
      return current;
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      watcher?.close();
    },
  };
}
