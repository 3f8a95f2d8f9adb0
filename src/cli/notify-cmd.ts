import type { Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import { Notifier, targetSecrets, targetsFromEnv } from "../notify/sender.ts";
import { homeDir } from "./home.ts";
import { envWithDotEnv } from "./keys.ts";

interface NotifyTestOptions {
  config?: string;
}

/** `sizewise notify test`: one message to every configured receiver, to check the setup. */
export function registerNotify(program: Command): void {
  const notify = program
    .command("notify")
    .description("Alerts (config notify.*): fills, exits, halts, errors, reconcile differences and the day's summary, to a webhook or Telegram.")
    .addHelpText("after", "\nExample:\n  $ npx sizewise notify test      # with SIZEWISE_WEBHOOK_URL set (Slack, Discord or any JSON receiver)");
  notify
    .command("test")
    .description("Send one test message to every configured receiver (even with notify.enabled false) and say whether it arrived.")
    .option("--config <file>", "config file (default: config/local.json when present, else the defaults)")
    .addHelpText(
      "after",
      `
Receivers come from the environment (or the home's .env), never from the config file:
  SIZEWISE_WEBHOOK_URL      a Slack or Discord incoming webhook, or any URL taking a JSON POST
  SIZEWISE_TELEGRAM_TOKEN   a Telegram bot token, with notify.telegramChatId set in config

Examples:
  $ SIZEWISE_WEBHOOK_URL=https://hooks.slack.com/services/... npx sizewise notify test
  $ npx sizewise config set notify.enabled true     # the daemon then sends the switched-on events`,
    )
    .action((o: NotifyTestOptions) => notifyTest(o));
}

async function notifyTest(o: NotifyTestOptions): Promise<void> {
  const home = homeDir();
  const config = resolveConfig(o.config, home);
  const env = envWithDotEnv(process.env, home);
  const targets = targetsFromEnv(config.notify, env);
  if (targets.length === 0) {
    throw new Error(`no alert receiver: set ${config.notify.webhookUrlEnv} (a webhook URL) or ${config.notify.telegramTokenEnv} with notify.telegramChatId, in the environment or ${home}/.env`);
  }
  const warnings: string[] = [];
  const n = new Notifier(config.notify, targets, {
    fetch: globalThis.fetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: { warn: (m) => warnings.push(m) },
    secrets: targetSecrets(config.notify, env),
  });
  n.notify({ kind: "test", timeMs: Date.now() });
  await n.flush();
  const s = n.stats();
  for (const w of warnings) process.stderr.write(`${w}\n`);
  process.stdout.write(`notify test: ${s.sent} of ${targets.length} receivers got it (${targets.map((t) => t.label).join(", ")})${config.notify.enabled ? "" : "; notify.enabled is false, so the daemon sends nothing yet"}\n`);
  if (s.sent < targets.length) process.exitCode = 1;
}
