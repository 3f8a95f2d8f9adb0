import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import { Notifier, targetSecrets, targetsFromEnv } from "../notify/sender.ts";
import { envWithDotEnv } from "./keys.ts";

/**
 * The daemon's alerts, when `notify.enabled` is on and the environment (or the home's `.env`) names
 * a receiver; null otherwise, said once in the log. The API keys are scrubbed from every message
 * along with the receivers' own URLs and tokens.
 */
export function daemonAlerts(config: Config, home: string, log: Logger, keySecrets: readonly string[]): Notifier | null {
  if (!config.notify.enabled) return null;
  const env = envWithDotEnv(process.env, home);
  const targets = targetsFromEnv(config.notify, env);
  if (targets.length === 0) {
    log.warn({ webhookEnv: config.notify.webhookUrlEnv, telegramEnv: config.notify.telegramTokenEnv }, "notify.enabled is on but no alert receiver is set: no alerts will be sent");
    return null;
  }
  log.info({ receivers: targets.map((t) => t.label) }, "alerts on");
  return new Notifier(config.notify, targets, {
    fetch: globalThis.fetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: { warn: (m) => log.warn(m) },
    secrets: [...keySecrets, ...targetSecrets(config.notify, env)],
  });
}

/** Sends what is queued before the process exits, for at most `maxMs`. */
export async function flushAlerts(n: Notifier | null, maxMs = 5000): Promise<void> {
  if (n === null) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([n.flush(), new Promise<void>((r) => (timer = setTimeout(r, maxMs)))]);
  clearTimeout(timer);
}
