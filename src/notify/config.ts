import { z } from "zod";

/**
 * The `notify` config keys: where alerts go and which events are sent. Secrets never live in the
 * config file: a webhook URL (Slack and Discord put their token in it) and a Telegram bot token are
 * read from the environment variables named here.
 */
export const notifyEventsSchema = z
  .object({
    fills: z.boolean().default(true).describe("Every fill of an entry, add or exit order."),
    exits: z.boolean().default(true).describe("A trade closed: its R, P/L and exit reason."),
    halts: z.boolean().default(true).describe("Entries halted (daily loss limit, kill switch, emergency) and resumed."),
    errors: z.boolean().default(true).describe("Errors the daemon logged and went on after."),
    reconcile: z.boolean().default(true).describe("Differences found when orders and positions were reconciled with the broker."),
    summary: z.boolean().default(true).describe("The day's summary after the close: trades, P/L, equity."),
  })
  .strict();

export const notifySchema = z
  .object({
    enabled: z.boolean().default(false).describe("Send alerts at all. Off by default; `sizewise notify test` sends one message to check the setup."),
    webhookUrlEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default("SIZEWISE_WEBHOOK_URL")
      .describe("Environment variable holding the webhook URL (Slack or Discord incoming webhook, or any JSON receiver). Unset: no webhook."),
    webhookFormat: z
      .enum(["auto", "slack", "discord", "generic"])
      .default("auto")
      .describe("Payload shape: slack {text}, discord {content}, generic {text, content, event}; auto picks by the URL's host (generic elsewhere)."),
    telegramTokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default("SIZEWISE_TELEGRAM_TOKEN").describe("Environment variable holding a Telegram bot token. Unset: no Telegram."),
    telegramChatId: z.string().nullable().default(null).describe("Telegram chat id to send to (with the token above)."),
    events: notifyEventsSchema.default(() => notifyEventsSchema.parse({})).describe("Which events are sent."),
    maxPerMinute: z.number().int().min(1).max(600).default(20).describe("At most this many messages a minute (Slack allows about one a second per webhook); more are dropped and counted."),
    retries: z.number().int().min(0).max(10).default(3).describe("Retries of a failed send (network error, 429, 5xx), with exponential backoff."),
    backoffMs: z.number().int().min(10).max(60_000).default(1000).describe("First retry delay, doubled each retry (a 429's Retry-After wins when longer)."),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000).describe("Time allowed for one send."),
    queueMax: z.number().int().min(1).max(10_000).default(100).describe("Messages waiting to be sent; beyond this the newest are dropped and counted."),
  })
  .strict();

export type NotifyConfig = z.infer<typeof notifySchema>;
export type NotifyEventSwitches = z.infer<typeof notifyEventsSchema>;
