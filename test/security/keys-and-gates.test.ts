import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import { encode, decode } from "@msgpack/msgpack";
import { WebSocket } from "ws";
import { readKeys } from "../../src/cli/keys.ts";
import { chooseBroker } from "../../src/cli/start-cmd.ts";
import { parseConfig } from "../../src/config/load.ts";
import { startExchange, type Exchange } from "../../src/exchange/server.ts";
import { series } from "../exchange/helpers.ts";
import { runCli } from "../cli/run-cli.ts";

const SECRET = "s3cr3t-value-0123456789abcdefghij";

function dotenv(mode: number, text = `APCA_API_KEY_ID=PKDOTENV123\nexport APCA_API_SECRET_KEY="${SECRET}"\n`): string {
  const dir = mkdtempSync(join(tmpdir(), "sw-keys-"));
  writeFileSync(join(dir, ".env"), text);
  chmodSync(join(dir, ".env"), mode);
  return dir;
}

describe("keys come from the environment or a private .env, nowhere else", () => {
  it("the environment wins; a .env only its owner can use is read; none at all means the local exchange", () => {
    expect(readKeys({ APCA_API_KEY_ID: "PKENV", APCA_API_SECRET_KEY: SECRET }, dotenv(0o644))).toEqual({ keyId: "PKENV", secretKey: SECRET, source: "environment" });
    expect(readKeys({}, dotenv(0o600))).toEqual({ keyId: "PKDOTENV123", secretKey: SECRET, source: ".env" });
    expect(readKeys({}, dotenv(0o400))).toMatchObject({ source: ".env" });
    expect(readKeys({}, mkdtempSync(join(tmpdir(), "sw-nokeys-")))).toBeNull();
    expect(readKeys({ APCA_API_KEY_ID: "PKONLYID" }, dotenv(0o600, "APCA_API_KEY_ID=PKDOTENV123\n"))).toBeNull();
  });

  it("a .env its group or anyone can read or write is refused, saying why and how to fix it, without the secret", () => {
    for (const [mode, who] of [
      [0o644, "its group and every user of this machine"],
      [0o640, "its group"],
      [0o604, "every user of this machine"],
      [0o620, "its group"],
    ] as const) {
      const dir = dotenv(mode);
      let message = "";
      try {
        readKeys({}, dir);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`.env is open to ${who} (mode ${mode.toString(8)})`);
      expect(message).toContain("whoever can read it can trade this account");
      expect(message).toContain(`chmod 600 ${join(dir, ".env")}`);
      expect(message).not.toContain(SECRET);
    }
  });

  it("a secret too short to be scrubbed from logs by value is refused", () => {
    expect(() => readKeys({ APCA_API_KEY_ID: "PKX", APCA_API_SECRET_KEY: "short" }, tmpdir())).toThrow(/shorter than 8 characters, too short to be scrubbed/);
  });
});

describe("live trading needs both opt-ins", () => {
  const log = pino({ level: "silent" });
  afterEach(() => vi.restoreAllMocks());

  function broker(live: boolean, flag: boolean): { broker: string; said: string } {
    const said: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const b = chooseBroker(parseConfig({ trading: { live } }), flag, log);
    vi.restoreAllMocks();
    return { broker: b, said: said.join("") };
  }

  it("config trading.live and --live together trade live, and say so loudly; either alone stays on paper and names the missing one", () => {
    expect(broker(true, true)).toEqual({ broker: "live", said: expect.stringContaining("LIVE TRADING WITH REAL MONEY") });
    expect(broker(true, false)).toEqual({ broker: "paper", said: expect.stringContaining("staying on PAPER: live trading needs both trading.live: true in config and --live (missing: --live on the command line)") });
    expect(broker(false, true)).toEqual({ broker: "paper", said: expect.stringContaining("(missing: trading.live: true in config)") });
    expect(broker(false, false)).toEqual({ broker: "paper", said: "" });
  });

  it("--live on the local exchange is refused by the start command", async () => {
    const saved = { id: process.env.APCA_API_KEY_ID, secret: process.env.APCA_API_SECRET_KEY };
    delete process.env.APCA_API_KEY_ID;
    delete process.env.APCA_API_SECRET_KEY;
    try {
      const r = await runCli(["start", "--live", "--state", mkdtempSync(join(tmpdir(), "sw-live-")), "--gen-symbols", "1", "--gen-days", "1"]);
      expect(r.code).toBe(1);
      expect(r.err).toContain("--live cannot trade the local exchange: it is a paper exchange");
    } finally {
      if (saved.id !== undefined) process.env.APCA_API_KEY_ID = saved.id;
      if (saved.secret !== undefined) process.env.APCA_API_SECRET_KEY = saved.secret;
    }
  });
});

describe("the local exchange admits only its key pair, on loopback only", () => {
  let ex: Exchange | null = null;
  afterEach(async () => {
    await ex?.close();
    ex = null;
  });
  const opts = { keyId: "PKLOCALGATE", secretKey: "local-gate-secret-0123", bars: [series("ABC", [[10, 10, 10, 10]])], speed: "max" as const, initialCashUsd: 100_000, frictionPctRoundTrip: 0 };

  it("REST: a wrong secret, a wrong key id or no keys get 401 and nothing else", async () => {
    ex = await startExchange(opts);
    const get = (h: Record<string, string>) => fetch(`${ex!.url}/v2/account`, { headers: h }).then(async (r) => [r.status, await r.json()]);
    expect(await get({ "APCA-API-KEY-ID": opts.keyId, "APCA-API-SECRET-KEY": opts.secretKey })).toEqual([200, expect.objectContaining({ status: "ACTIVE" })]);
    const wrong: Record<string, string>[] = [{ "APCA-API-KEY-ID": opts.keyId, "APCA-API-SECRET-KEY": "wrong" }, { "APCA-API-KEY-ID": "PKWRONG", "APCA-API-SECRET-KEY": opts.secretKey }, {}];
    for (const h of wrong) {
      expect(await get(h)).toEqual([401, { message: "unauthorized." }]);
    }
    const post = await fetch(`${ex.url}/v2/orders`, { method: "POST", headers: { "APCA-API-KEY-ID": opts.keyId, "APCA-API-SECRET-KEY": "wrong", "content-type": "application/json" }, body: JSON.stringify({ symbol: "ABC", qty: "1", side: "buy", type: "market", time_in_force: "day" }) });
    expect(post.status).toBe(401);
    expect(ex.book.allOrders()).toEqual([]);
  });

  it("streams: wrong keys are refused on both", async () => {
    ex = await startExchange(opts);
    const closed = (ws: WebSocket) => new Promise<number>((r) => ws.once("close", (code) => r(code)));
    const stocks = new WebSocket(`${ex.wsUrl}/v2/iex`, { headers: { "Content-Type": "application/msgpack" } });
    const stocksClosed = closed(stocks);
    const stockFrames: unknown[] = [];
    stocks.on("message", (d) => stockFrames.push(decode(d as Buffer)));
    await new Promise((r) => stocks.once("open", r));
    stocks.send(encode({ action: "auth", key: opts.keyId, secret: "wrong" }));
    const trading = new WebSocket(`${ex.wsUrl}/stream`);
    const tradingClosed = closed(trading);
    const tradingFrames: unknown[] = [];
    trading.on("message", (d) => tradingFrames.push(JSON.parse(String(d))));
    await new Promise((r) => trading.once("open", r));
    trading.send(JSON.stringify({ action: "authenticate", data: { key_id: "PKWRONG", secret_key: opts.secretKey } }));
    // Both hang up on a failed authentication.
    expect(await Promise.all([stocksClosed, tradingClosed])).toEqual([1008, 1008]);
    expect(stockFrames[1]).toEqual([{ T: "error", code: 402, msg: "auth failed" }]);
    expect(tradingFrames).toEqual([{ stream: "authorization", data: { status: "unauthorized", action: "authenticate" } }]);
  });

  it("any host but 127.0.0.1 is refused before anything listens", async () => {
    for (const host of ["0.0.0.0", "::", "localhost", "192.168.1.10"]) {
      await expect(startExchange({ ...opts, host: host as "127.0.0.1" })).rejects.toThrow(`the local exchange binds 127.0.0.1 only, not ${host}`);
    }
  });
});
