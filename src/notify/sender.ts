import type { NotifyConfig } from "./config.ts";
import type { NotifyEvent } from "./events.ts";
import { eventSwitch, formatText, redactUrl, telegramBody, webhookBody, webhookFormat } from "./format.ts";

/**
 * Sends alerts without ever holding up the caller: `notify()` only queues (or drops and counts)
 * and returns; one background loop posts the queue in order, retrying network errors, 429 and 5xx
 * with exponential backoff (a 429's Retry-After wins when longer), and drops what still fails.
 * fetch, the clock and sleep are injected, so tests run without the network and without waiting.
 */

/** A receiver: where to POST and the body it expects. `label` is what may be logged of it. */
export interface NotifyTarget {
  readonly label: string;
  readonly url: string;
  body(text: string, e: NotifyEvent): Record<string, unknown>;
}

export interface NotifyLog {
  warn(msg: string): void;
}

export interface NotifierDeps {
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log?: NotifyLog;
  /** Values that must never appear in a message (API keys, the webhook URL, the bot token). */
  readonly secrets?: readonly string[];
}

export interface NotifyStats {
  queued: number;
  sent: number;
  retries: number;
  /** Dropped before sending: switched off, over the rate limit, queue full, or no target. */
  droppedOff: number;
  droppedRate: number;
  droppedQueue: number;
  /** Given up after every retry (or refused with a 4xx other than 429). */
  failed: number;
}

/** The targets the environment configures: a webhook URL and/or a Telegram bot token with a chat id. */
export function targetsFromEnv(c: NotifyConfig, env: NodeJS.ProcessEnv): NotifyTarget[] {
  const out: NotifyTarget[] = [];
  const url = env[c.webhookUrlEnv]?.trim();
  if (url) {
    const format = webhookFormat(url, c.webhookFormat);
    out.push({ label: `webhook ${redactUrl(url)} (${format})`, url, body: (text, e) => webhookBody(format, text, e) });
  }
  const token = env[c.telegramTokenEnv]?.trim();
  if (token && c.telegramChatId) {
    const chat = c.telegramChatId;
    out.push({ label: "telegram https://api.telegram.org/...", url: `https://api.telegram.org/bot${token}/sendMessage`, body: (text) => telegramBody(chat, text) });
  }
  return out;
}

/** The secrets of the targets (URLs and tokens), for scrubbing messages and logs. */
export function targetSecrets(c: NotifyConfig, env: NodeJS.ProcessEnv): string[] {
  return [env[c.webhookUrlEnv], env[c.telegramTokenEnv]].filter((x): x is string => typeof x === "string" && x.trim() !== "").map((x) => x.trim());
}

interface Queued {
  readonly e: NotifyEvent;
  readonly text: string;
}

export class Notifier {
  private readonly queue: Queued[] = [];
  private readonly sentAt: number[] = [];
  private running: Promise<void> | null = null;
  private readonly counts: NotifyStats = { queued: 0, sent: 0, retries: 0, droppedOff: 0, droppedRate: 0, droppedQueue: 0, failed: 0 };

  constructor(
    private readonly config: NotifyConfig,
    private readonly targets: readonly NotifyTarget[],
    private readonly deps: NotifierDeps,
  ) {}

  /** Queues one alert and returns at once (false: dropped and counted). Never throws. */
  notify(e: NotifyEvent): boolean {
    try {
      const sw = eventSwitch(e);
      if (this.targets.length === 0 || (e.kind !== "test" && !this.config.enabled) || (sw !== null && !this.config.events[sw])) {
        this.counts.droppedOff++;
        return false;
      }
      const now = this.deps.now();
      while (this.sentAt.length > 0 && this.sentAt[0] <= now - 60_000) this.sentAt.shift();
      if (this.sentAt.length >= this.config.maxPerMinute) {
        this.counts.droppedRate++;
        return false;
      }
      if (this.queue.length >= this.config.queueMax) {
        this.counts.droppedQueue++;
        return false;
      }
      this.sentAt.push(now);
      this.queue.push({ e, text: formatText(e, this.deps.secrets ?? []) });
      this.counts.queued++;
      this.running ??= this.pump().finally(() => {
        this.running = null;
      });
      return true;
    } catch {
      this.counts.failed++;
      return false;
    }
  }

  /** Resolves when the queue is empty (at shutdown, in tests). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  stats(): NotifyStats {
    return { ...this.counts };
  }

  private async pump(): Promise<void> {
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) {
      for (const t of this.targets) {
        if (await this.sendWithRetries(t, m)) this.counts.sent++;
        else this.counts.failed++;
      }
    }
  }

  private async sendWithRetries(t: NotifyTarget, m: Queued): Promise<boolean> {
    const { retries, backoffMs } = this.config;
    let last = "";
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) this.counts.retries++;
      let waitMs = backoffMs * 2 ** attempt;
      try {
        const res = await this.deps.fetch(t.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(t.body(m.text, m.e)),
          signal: AbortSignal.timeout(this.config.timeoutMs),
        });
        if (res.ok) return true;
        last = `HTTP ${res.status}`;
        if (res.status !== 429 && res.status < 500) break;
        const after = Number(res.headers.get("retry-after"));
        if (res.status === 429 && Number.isFinite(after) && after > 0) waitMs = Math.max(waitMs, Math.min(after * 1000, 60_000));
      } catch (err) {
        // Only the error's name and a scrubbed message: fetch errors can quote the URL.
        last = (err as Error).name;
      }
      if (attempt < retries) await this.deps.sleep(waitMs);
    }
    this.deps.log?.warn(`alert to ${t.label} not delivered (${last}); dropped`);
    return false;
  }
}
