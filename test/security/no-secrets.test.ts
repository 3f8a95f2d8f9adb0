import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesToAlpacaCsv } from "../../src/data/csv-writer.ts";
import { startExchange } from "../../src/exchange/server.ts";
import { Cli, run } from "./cli.ts";

/**
 * No secret in any output: the key pair is put in the environment of every command, a full short
 * `sizewise start` trades a separate `sizewise exchange` with it (so the keys are really sent on
 * every request and stream), the commands that write output run against what it left, the error
 * paths run too (broker down, wrong keys, a readable .env), and then every byte each command
 * printed and every file under the state and output folders is searched for both values.
 */

const KEY = `PKSEC${randomBytes(8).toString("hex").toUpperCase()}`;
const SECRET = randomBytes(20).toString("base64url");
const env = { ...process.env, APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET };
const dir = mkdtempSync(join(tmpdir(), "sw-secrets-"));
const printed: { what: string; text: string }[] = [];
const note = (what: string, r: { out: string; err: string }): void => void printed.push({ what, text: `${r.out}\n${r.err}` });

function walk(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(d, e.name), ...walk(join(d, e.name))] : [join(d, e.name)]));
}

afterAll(() => {
  // A last sweep over everything this file produced, whatever test wrote it.
  for (const p of printed) {
    expect(p.text, p.what).not.toContain(KEY);
    expect(p.text, p.what).not.toContain(SECRET);
  }
});

describe("secrets never reach an output", () => {
  it("a full run and every command after it: stdout, stderr and every file hold neither key value", async () => {
    const data = join(dir, "bars");
    mkdirSync(data);
    const series = generateSeries({ seed: 3, symbols: 8, days: 3, selloffProb: 0.25 });
    for (const s of series) writeFileSync(join(data, `${s.symbol}.csv`), seriesToAlpacaCsv(s));
    const symbols = series.map((s) => s.symbol).join(",");
    const state = join(dir, "state");
    const out = join(dir, "out");
    mkdirSync(out);
    const cfg = join(dir, "config.json");
    writeFileSync(cfg, JSON.stringify({ strategy: { minDayChangePct: -10 }, daemon: { reconnectInitialMs: 20 } }));

    // The broker: a separate exchange process holding the same key pair, replaying fast.
    const exchange = new Cli(["exchange", "--data", data, "--state", join(dir, "broker"), "--port", "0", "--speed", "8000", "--exit-when-done"], env);
    const url = (await exchange.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1];
    const bot = new Cli(["start", "--broker-url", url, "--symbols", symbols, "--state", state, "--config", cfg], env);
    await bot.waitFor(/sizewise: trading /);
    expect(await exchange.exited).toEqual({ code: 0, signal: null });
    // The broker is gone: the bot logs its reconnect attempts (error messages are outputs too).
    await new Promise((r) => setTimeout(r, 800));
    bot.proc.kill("SIGTERM");
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    note("exchange", exchange);
    note("start --broker-url", bot);
    expect(bot.err).toContain('"msg":"recovered"');
    // It traded: orders went out signed with the keys.
    const journal = readdirSync(join(state, "journal")).map((f) => readFileSync(join(state, "journal", f), "utf8")).join("");
    expect(journal).toContain('"type":"order_submitted"');

    // Everything that writes output, with the keys in its environment.
    const commands: string[][] = [
      ["start", "--local", "--state", join(dir, "state-local"), "--gen-symbols", "4", "--gen-days", "2", "--config", cfg],
      ["backtest", "--json", "--data", data, "--state", join(dir, "state-bt"), "--config", cfg],
      ["backtest", "--data", data, "--no-cache"],
      ["compare", "--json", "--data", data, "--modes", "fixed,kelly", "--state", join(dir, "state-bt"), "--report", join(out, "compare.html")],
      ["journal", "--state", state],
      ["journal", "--state", state, "--json"],
      ["journal", "--state", state, "--md"],
      ["report", "--state", state, "--out", join(out, "report.html")],
      ["status", "--state", state],
      ["status", "--state", state, "--json"],
      ["halt", "--state", state, "--reason", "security test"],
      ["resume", "--state", state],
      ["config", "show", "--config", cfg],
    ];
    for (const args of commands) {
      const r = await run(args, env);
      note(args.join(" "), r);
      expect(r.code, `${args.join(" ")}: ${r.err.slice(-800)}`).toBe(0);
    }

    // Error paths: the broker unreachable, the keys wrong, a .env others can read.
    const down = await run(["start", "--broker-url", "http://127.0.0.1:9", "--symbols", "AAA", "--state", join(dir, "state-down")], env);
    note("start against nothing", down);
    expect(down.code).toBe(1);
    const other = await startExchange({ keyId: "PKOTHERKEYS", secretKey: "other-secret-0123456789", bars: series, speed: "max", initialCashUsd: 100_000, frictionPctRoundTrip: 0 });
    try {
      const wrong = await run(["start", "--broker-url", other.url, "--symbols", symbols, "--state", join(dir, "state-wrong")], env);
      note("start with wrong keys", wrong);
      expect(wrong.code).toBe(1);
      expect(wrong.err).toMatch(/unauthorized|401/i);
    } finally {
      await other.close();
    }
    const cwd = join(dir, "with-dotenv");
    mkdirSync(cwd);
    writeFileSync(join(cwd, ".env"), `APCA_API_KEY_ID=${KEY}\nAPCA_API_SECRET_KEY=${SECRET}\n`);
    chmodSync(join(cwd, ".env"), 0o644);
    const { APCA_API_KEY_ID: _k, APCA_API_SECRET_KEY: _s, ...noKeys } = env;
    const dotenv = await run(["start", "--home", cwd, "--symbols", "AAA", "--state", join(cwd, "state")], noKeys, cwd);
    note(".env readable by others", dotenv);
    expect(dotenv.code).toBe(1);
    expect(dotenv.err).toMatch(/\.env is open to its group and every user of this machine \(mode 644\) and it holds the API key pair: .*chmod 600/);

    // Every file under the state and output folders (the input bars aside).
    const files = walk(dir).filter((p) => !p.startsWith(data) && !p.endsWith(".env") && statSync(p).isFile());
    expect(files.length).toBeGreaterThan(20);
    expect(files.some((f) => f.endsWith("intents.jsonl"))).toBe(true);
    expect(files.some((f) => f.endsWith("report.html"))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f).toString("latin1");
      expect(text.includes(KEY), f).toBe(false);
      expect(text.includes(SECRET), f).toBe(false);
    }
    for (const p of printed) {
      expect(p.text.includes(KEY), p.what).toBe(false);
      expect(p.text.includes(SECRET), p.what).toBe(false);
    }

    // State is private: every file 0600 and every folder 0700, in the bot's and the exchange's state.
    for (const root of [state, join(dir, "state-local"), join(dir, "broker")]) {
      for (const p of [root, ...walk(root)]) {
        const mode = statSync(p).mode & 0o777;
        expect(`${p} ${mode.toString(8)}`).toBe(`${p} ${statSync(p).isDirectory() ? "700" : "600"}`);
      }
    }
  }, 180_000);
});
