import { formatUsd } from "../report/format.ts";
import { nyStamp } from "../report/trades.ts";
import type { NotifyEvent } from "./events.ts";
import type { NotifyConfig, NotifyEventSwitches } from "./config.ts";

/**
 * Pure formatting of alerts: one line of text per event (New York time, the report's money format),
 * the JSON body each receiver expects, and URLs cut down to what may be logged.
 */

const at = (tMs: number): string => `${nyStamp(new Date(tMs).toISOString())} New York`;
const MAX_TEXT = 1500;

/** The switch (config notify.events) an event falls under; the test message always goes. */
export function eventSwitch(e: NotifyEvent): keyof NotifyEventSwitches | null {
  switch (e.kind) {
    case "fill":
      return "fills";
    case "exit":
      return "exits";
    case "halt":
    case "resume":
      return "halts";
    case "error":
      return "errors";
    case "reconcile":
      return "reconcile";
    case "summary":
      return "summary";
    case "test":
      return null;
  }
}

/**
 * Replaces every secret (API keys, tokens, webhook URLs) in `text` by "[redacted]": an error
 * message can quote a URL or a header, and an alert must never carry one.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join("[redacted]");
  // Telegram bot tokens and Slack/Discord webhook paths, even when not given as secrets.
  return out.replace(/bot\d{5,}:[\w-]{20,}/g, "bot[redacted]").replace(/(hooks\.slack\.com\/services|discord(?:app)?\.com\/api\/webhooks)\/\S+/g, "$1/[redacted]");
}

/** One line for an event. */
export function formatText(e: NotifyEvent, secrets: readonly string[] = []): string {
  let text: string;
  switch (e.kind) {
    case "fill":
      text = `sizewise fill: ${e.side} ${e.qtyShares} ${e.symbol} @ ${formatUsd(e.priceUsd)} (${e.purpose}), ${at(e.timeMs)}`;
      break;
    case "exit":
      text = `sizewise exit: ${e.symbol} ${e.shares} sh ${formatUsd(e.entryPriceUsd)} -> ${formatUsd(e.exitPriceUsd)}, ${e.exitReason}, ${e.rMultiple.toFixed(2)} R, ${formatUsd(e.pnlUsd, 2, true)}, ${at(e.timeMs)}`;
      break;
    case "halt":
      text = `sizewise HALT (${e.scope === "day" ? "new entries stop for the day" : "new entries stop until resumed"}): ${e.reason}, ${at(e.timeMs)}`;
      break;
    case "resume":
      text = `sizewise resumed: ${e.reason} (was: ${e.was}), ${at(e.timeMs)}`;
      break;
    case "error":
      text = `sizewise error: ${e.message}, ${at(e.timeMs)}`;
      break;
    case "reconcile":
      text = `sizewise reconcile: ${e.differences.length} difference${e.differences.length === 1 ? "" : "s"} with the broker: ${e.differences.slice(0, 5).join("; ")}${e.differences.length > 5 ? "; ..." : ""}, ${at(e.timeMs)}`;
      break;
    case "summary":
      text = `sizewise ${e.day}: ${e.trades} trade${e.trades === 1 ? "" : "s"}, ${e.wins} won, P/L ${formatUsd(e.pnlUsd, 2, true)}, equity ${formatUsd(e.equityUsd)}`;
      break;
    case "test":
      text = `sizewise test message: alerts reach this channel (${at(e.timeMs)})`;
      break;
  }
  const clean = scrub(text, secrets);
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT - 3)}...` : clean;
}

export type WebhookFormat = Exclude<NotifyConfig["webhookFormat"], "auto">;

/** The payload shape for a webhook URL: Slack and Discord by host, generic elsewhere. */
export function webhookFormat(url: string, configured: NotifyConfig["webhookFormat"]): WebhookFormat {
  if (configured !== "auto") return configured;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return "generic";
  }
  if (host === "hooks.slack.com") return "slack";
  if (host === "discord.com" || host === "discordapp.com") return "discord";
  return "generic";
}

/**
 * The JSON body: Slack incoming webhooks read `text`, Discord webhooks `content` (at most 2000
 * characters); a generic receiver gets both and the event itself.
 */
export function webhookBody(format: WebhookFormat, text: string, e: NotifyEvent): Record<string, unknown> {
  if (format === "slack") return { text };
  if (format === "discord") return { content: text };
  return { text, content: text, event: e };
}

/** Telegram Bot API sendMessage body. */
export function telegramBody(chatId: string, text: string): Record<string, unknown> {
  return { chat_id: chatId, text, disable_web_page_preview: true };
}

/** What of a URL may be logged: its scheme and host, never its path or query (tokens live there). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/...`;
  } catch {
    return "(not a URL)";
  }
}
