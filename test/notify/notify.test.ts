import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { nock } from "../adapters/alpaca-nock.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { notifySchema, type NotifyConfig } from "../../src/notify/config.ts";
import type { NotifyEvent } from "../../src/notify/events.ts";
import { notifyEngineEvents } from "../../src/notify/engine-hooks.ts";
import { formatText, redactUrl, scrub, webhookBody, webhookFormat } from "../../src/notify/format.ts";
import { Notifier, targetsFromEnv, type NotifyTarget } from "../../src/notify/sender.ts";
import { runCli } from "../cli/run-cli.ts";

const SLACK = "https://hooks.slack.com";
const SLACK_PATH = "/services/T0001/B0001/sEcReTtOkEn123";
const DISCORD = "https://discord.com";
const DISCORD_PATH = "/api/webhooks/123/abcSECRETdef";
const T = Date.parse("2024-04-02T14:31:00Z");

const cfg = (o: Record<string, unknown> = {}): NotifyConfig => notifySchema.parse({ enabled: true, backoffMs: 100, ...o });

/** A notifier whose sleeps are recorded, not waited. */
function notifier(c: NotifyConfig, targets: NotifyTarget[], clock = { now: T }) {
  const waits: number[] = [];
  const warnings: string[] = [];
  const n = new Notifier(c, targets, {
    fetch: globalThis.fetch,
    now: () => clock.now,
    sleep: async (ms) => {
      waits.push(ms);
    },
    log: { warn: (m) => warnings.push(m) },
    secrets: [`${SLACK}${SLACK_PATH}`],
  });
  return { n, waits, warnings };
}

const slackTarget = (c: NotifyConfig): NotifyTarget[] => targetsFromEnv(c, { SIZEWISE_WEBHOOK_URL: `${SLACK}${SLACK_PATH}` });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
});

describe("alert text", () => {
  it("says what happened in New York time and the one money format", () => {
    expect(formatText({ kind: "fill", symbol: "GME", side: "buy", qtyShares: 300, priceUsd: 12.5, purpose: "entry", timeMs: T })).toBe("sizewise fill: buy 300 GME @ $12.50 (entry), 2024-04-02 10:31 New York");
    expect(formatText({ kind: "summary", day: "2024-04-02", trades: 3, wins: 1, pnlUsd: -1364.29, equityUsd: 98635.71, timeMs: T })).toBe("sizewise 2024-04-02: 3 trades, 1 won, P/L -$1,364.29, equity $98,635.71");
    expect(formatText({ kind: "halt", reason: "daily loss limit", scope: "day", timeMs: T })).toContain("HALT (new entries stop for the day): daily loss limit");
  });

  it("never carries a secret, a bot token or a webhook path", () => {
    const text = formatText({ kind: "error", message: `POST ${SLACK}${SLACK_PATH} failed; key PKABCDEFGH; bot123456:AAHxxxxxxxxxxxxxxxxxxxxxxxx`, timeMs: T }, ["PKABCDEFGH"]);
    expect(text).not.toContain("sEcReT");
    expect(text).not.toContain("PKABCDEFGH");
    expect(text).not.toContain("AAHxxx");
    expect(scrub(`${DISCORD}${DISCORD_PATH}`, [])).toBe("https://discord.com/api/webhooks/[redacted]");
    expect(redactUrl(`${SLACK}${SLACK_PATH}`)).toBe("https://hooks.slack.com/...");
  });

  it("shapes the body for Slack ({text}), Discord ({content}) and generic receivers", () => {
    const e: NotifyEvent = { kind: "test", timeMs: T };
    expect(webhookFormat(`${SLACK}${SLACK_PATH}`, "auto")).toBe("slack");
    expect(webhookFormat(`${DISCORD}${DISCORD_PATH}`, "auto")).toBe("discord");
    expect(webhookFormat("http://127.0.0.1:9/x", "auto")).toBe("generic");
    expect(webhookBody("slack", "hi", e)).toEqual({ text: "hi" });
    expect(webhookBody("discord", "hi", e)).toEqual({ content: "hi" });
    expect(webhookBody("generic", "hi", e)).toEqual({ text: "hi", content: "hi", event: e });
  });
});

describe("the sender", () => {
  it("posts to a Slack webhook and a Telegram bot", async () => {
    const c = cfg({ telegramChatId: "42" });
    const targets = targetsFromEnv(c, { SIZEWISE_WEBHOOK_URL: `${SLACK}${SLACK_PATH}`, SIZEWISE_TELEGRAM_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwx" });
    const slack = nock(SLACK).post(SLACK_PATH, (b) => typeof b.text === "string" && b.text.includes("fill: sell 100 GME")).reply(200, "ok");
    const tg = nock("https://api.telegram.org").post("/bot123456:ABCdefGHIjklMNOpqrSTUvwx/sendMessage", (b) => b.chat_id === "42" && b.text.includes("GME")).reply(200, { ok: true });
    const { n } = notifier(c, targets);
    expect(n.notify({ kind: "fill", symbol: "GME", side: "sell", qtyShares: 100, priceUsd: 13, purpose: "tp1", timeMs: T })).toBe(true);
    await n.flush();
    expect(slack.isDone() && tg.isDone()).toBe(true);
    expect(n.stats().sent).toBe(2);
    expect(targets.map((t) => t.label).join()).not.toMatch(/sEcReT|ABCdef/);
  });

  it("returns before the receiver answers (the order path never waits)", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[] = [];
    const n = new Notifier(cfg(), [{ label: "slow", url: "http://127.0.0.1:9/slow", body: (text) => ({ text }) }], {
      fetch: (async () => {
        calls.push("fetch");
        await gate;
        return new Response("ok");
      }) as typeof fetch,
      now: () => T,
      sleep: async () => undefined,
    });
    expect(n.notify({ kind: "test", timeMs: T })).toBe(true);
    calls.push("returned");
    release();
    await n.flush();
    expect(calls).toEqual(["fetch", "returned"]);
    expect(n.stats().sent).toBe(1);
  });

  it("retries 5xx and 429 with backoff (Retry-After wins), gives up on 4xx, drops and counts", async () => {
    const c = cfg({ retries: 2 });
    nock(SLACK).post(SLACK_PATH).reply(503).post(SLACK_PATH).reply(429, "slow down", { "Retry-After": "3" }).post(SLACK_PATH).reply(200, "ok");
    const a = notifier(c, slackTarget(c));
    a.n.notify({ kind: "test", timeMs: T });
    await a.n.flush();
    expect(a.n.stats()).toMatchObject({ sent: 1, retries: 2, failed: 0 });
    expect(a.waits).toEqual([100, 3000]);

    nock(SLACK).post(SLACK_PATH).reply(404, "no_service");
    const b = notifier(c, slackTarget(c));
    b.n.notify({ kind: "test", timeMs: T });
    await b.n.flush();
    expect(b.n.stats()).toMatchObject({ sent: 0, retries: 0, failed: 1 });
    expect(b.warnings.join()).toContain("HTTP 404");

    nock(SLACK).post(SLACK_PATH).times(3).replyWithError("connect ECONNREFUSED");
    const d = notifier(c, slackTarget(c));
    d.n.notify({ kind: "test", timeMs: T });
    await d.n.flush();
    expect(d.n.stats()).toMatchObject({ sent: 0, retries: 2, failed: 1 });
    expect(d.waits).toEqual([100, 200]);
    // What is logged names the host, never the webhook's secret path.
    expect(d.warnings.join()).toContain("https://hooks.slack.com/...");
    expect(d.warnings.join()).not.toContain("sEcReT");
  });

  it("honours the switches, the rate limit and the queue bound", async () => {
    const clock = { now: T };
    const c = cfg({ maxPerMinute: 2, events: { fills: false } });
    nock(SLACK).post(SLACK_PATH).times(3).reply(200, "ok");
    const { n } = notifier(c, slackTarget(c), clock);
    expect(n.notify({ kind: "fill", symbol: "A", side: "buy", qtyShares: 1, priceUsd: 1, purpose: "entry", timeMs: T })).toBe(false);
    expect(n.notify({ kind: "error", message: "x", timeMs: T })).toBe(true);
    expect(n.notify({ kind: "error", message: "y", timeMs: T })).toBe(true);
    expect(n.notify({ kind: "error", message: "z", timeMs: T })).toBe(false);
    clock.now += 60_000;
    expect(n.notify({ kind: "error", message: "later", timeMs: T })).toBe(true);
    await n.flush();
    expect(n.stats()).toMatchObject({ sent: 3, droppedOff: 1, droppedRate: 1 });

    const off = notifier(cfg({ enabled: false }), slackTarget(c));
    expect(off.n.notify({ kind: "error", message: "x", timeMs: T })).toBe(false);
    const q = new Notifier(cfg({ queueMax: 1 }), slackTarget(c), { fetch: (() => new Promise(() => undefined)) as typeof fetch, now: () => T, sleep: async () => undefined });
    q.notify({ kind: "test", timeMs: T });
    q.notify({ kind: "test", timeMs: T });
    expect(q.notify({ kind: "test", timeMs: T })).toBe(false);
    expect(q.stats().droppedQueue).toBe(1);
  });
});

describe("alerts from a run", () => {
  it("a webhook receiver gets the day's fills, exits and summary from a replay of generated bars", async () => {
    // A real receiver on 127.0.0.1: what a Slack or Discord webhook would get, over HTTP.
    const received: { text: string; event: NotifyEvent }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        received.push(JSON.parse(body) as { text: string; event: NotifyEvent });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    nock.enableNetConnect("127.0.0.1");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const c = cfg({ maxPerMinute: 600, queueMax: 10_000 });
    const targets = targetsFromEnv(c, { SIZEWISE_WEBHOOK_URL: url });
    const { n } = notifier(c, targets);
    const config = parseConfig({ strategy: { minDayChangePct: -10 } });
    // Each alert at its own instant of the run, so the per-minute limit sees the run's time.
    const run = runBacktest({ config, source: seriesSource(generateSeries({ seed: 42, symbols: 8, days: 5 })), events: notifyEngineEvents(n, () => T) });
    await n.flush();
    await new Promise<void>((r) => server.close(() => r()));
    nock.disableNetConnect();
    const kinds = received.map((r) => r.event.kind);
    expect(run.engine.trades.length).toBeGreaterThan(0);
    expect(kinds.filter((k) => k === "exit").length).toBe(run.engine.trades.length);
    expect(kinds.filter((k) => k === "fill").length).toBeGreaterThanOrEqual(2 * run.engine.trades.length);
    const summaries = received.filter((r) => r.event.kind === "summary");
    expect(summaries.length).toBe(run.engine.daily.length);
    const tradesInSummaries = summaries.reduce((a, r) => a + (r.event.kind === "summary" ? r.event.trades : 0), 0);
    expect(tradesInSummaries).toBe(run.engine.trades.length);
    expect(received.every((r) => typeof r.text === "string" && r.text.startsWith("sizewise"))).toBe(true);
  }, 60_000);
});

describe("sizewise notify test", () => {
  it("sends one message and says where, without the URL's secret", async () => {
    const hook = nock(SLACK).post(SLACK_PATH, (b) => String(b.text).startsWith("sizewise test message")).reply(200, "ok");
    process.env.SIZEWISE_WEBHOOK_URL = `${SLACK}${SLACK_PATH}`;
    try {
      const r = await runCli(["notify", "test"]);
      expect(r.code, r.err).toBe(0);
      expect(hook.isDone()).toBe(true);
      expect(r.out).toContain("1 of 1 receivers got it (webhook https://hooks.slack.com/... (slack))");
      expect(r.out + r.err).not.toContain("sEcReT");
    } finally {
      delete process.env.SIZEWISE_WEBHOOK_URL;
    }
  });

  it("refuses without a receiver, naming the variables", async () => {
    const r = await runCli(["notify", "test"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("SIZEWISE_WEBHOOK_URL");
  });
});
