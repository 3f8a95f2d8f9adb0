import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { TimeFrame } from "@alpacahq/alpaca-trade-api";
import { client, KEY, SECRET } from "./sdk-helpers.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/sizewise.js");
const ENV = { ...process.env, APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET };

/** `sizewise exchange ...` in its own process, with every stdout line collected. */
class Cli {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on("line", (l) => this.lines.push(l));
    this.exited = new Promise((r) => proc.once("exit", (code) => r(code)));
  }

  async waitFor(re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
    const t0 = Date.now();
    for (;;) {
      for (const l of this.lines) {
        const m = re.exec(l);
        if (m) return m;
      }
      if (Date.now() - t0 > ms) throw new Error(`no line matching ${re} in ${JSON.stringify(this.lines)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const running: Cli[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.proc.kill("SIGKILL");
});

function exchange(args: string[]): Cli {
  const c = new Cli(spawn(process.execPath, [BIN, "exchange", "--port", "0", "--symbols", "AAA,BBB", "--gen-days", "1", "--seed", "3", ...args], { cwd: ROOT, env: ENV, stdio: "pipe" }));
  running.push(c);
  return c;
}

describe("sizewise exchange (CLI)", () => {
  it("serves the official SDK on 127.0.0.1, exits 0 on SIGTERM and resumes its book on the next start", async () => {
    const state = mkdtempSync(join(tmpdir(), "sw-ex-cli-"));
    const a = exchange(["--speed", "3000", "--state", state]); // 20 ms per bar-minute
    const [, url] = await a.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+) .* fresh state/);
    const alpaca = client({ url });
    expect((await alpaca.trading.account.getAccount()).cash).toBe("100000");
    await new Promise((r) => setTimeout(r, 200));
    const o = await alpaca.trading.orders.limit({ symbol: "AAA", qty: 1, side: "buy", limitPrice: 1, timeInForce: "gtc", clientOrderId: "cli-1" });
    const clock = (await alpaca.trading.clock.legacyClock()).timestamp.getTime();
    const bars = await alpaca.marketData.getStockBars({ symbols: ["AAA"], timeframe: TimeFrame.Minute, start: new Date(0) });
    expect(bars.AAA.length).toBeGreaterThan(0);
    const twin = spawnSync(process.execPath, [BIN, "exchange", "--symbols", "AAA,BBB", "--gen-days", "1", "--seed", "3", "--state", state], { cwd: ROOT, env: ENV, encoding: "utf8" });
    expect([twin.status, twin.stderr]).toEqual([1, expect.stringMatching(new RegExp(`book\\.json is in use by process ${a.proc.pid}`))]);
    a.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(a.lines.at(-1)).toMatch(/^exchange stopped \(SIGTERM\); state in .*; 0 client frames refused, 0 implausible bars never filled$/);
    expect(statSync(join(state, "exchange", "book.json")).mode & 0o777).toBe(0o600);

    const b = exchange(["--speed", "3000", "--state", state]);
    const [, url2] = await b.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+) .* resumed state/);
    const again = client({ url: url2 });
    expect((await again.trading.orders.getOrderByClientOrderId({ clientOrderId: "cli-1" })).id).toBe(o.id);
    expect((await again.trading.clock.legacyClock()).timestamp.getTime()).toBeGreaterThanOrEqual(clock);
    b.proc.kill("SIGINT");
    expect(await b.exited).toBe(0);

    const other = spawnSync(process.execPath, [BIN, "exchange", "--symbols", "AAA,BBB", "--gen-days", "1", "--seed", "3", "--state", state, "--cash", "5000"], { cwd: ROOT, env: ENV, encoding: "utf8" });
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/initial cash differs \(saved 100000; now 5000\); use a fresh --state dir/);
  }, 60_000);

  it("with --exit-when-done, exits 0 after the replay; a finished replay is not resumed but set aside", async () => {
    const state = mkdtempSync(join(tmpdir(), "sw-ex-cli-"));
    const a = exchange(["--speed", "max", "--state", state, "--exit-when-done"]);
    expect(await a.exited).toBe(0);
    expect(a.lines.join("\n")).toMatch(/replay finished at 2024-01-02 16:00 New York time\nexchange stopped \(done\)/);
    const b = exchange(["--speed", "max", "--state", state, "--exit-when-done"]);
    expect(await b.exited).toBe(0);
    expect(b.lines[0]).toMatch(/fresh state/);
    expect(readdirSync(join(state, "exchange")).filter((n) => n.startsWith("book.json."))).toHaveLength(1);
  }, 60_000);

  it("keeps serving REST after the replay ends, until a signal", async () => {
    const state = mkdtempSync(join(tmpdir(), "sw-ex-cli-"));
    const a = exchange(["--speed", "max", "--state", state]);
    const [, url] = await a.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    await a.waitFor(/replay finished .*; serving REST until SIGINT\/SIGTERM/);
    const alpaca = client({ url });
    expect((await alpaca.trading.clock.legacyClock()).isOpen).toBe(false);
    expect(existsSync(join(state, "exchange", "book.json"))).toBe(true);
    a.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);
  }, 60_000);

  it("takes the strictness knobs as flags: a cancel stays pending for --cancel-delay-ms; bad values are refused", async () => {
    const state = mkdtempSync(join(tmpdir(), "sw-ex-cli-"));
    const a = exchange(["--speed", "3000", "--state", state, "--cancel-delay-ms", "60000", "--no-wash-stops", "--corrections", "0.1"]);
    const [, url] = await a.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const alpaca = client({ url });
    await new Promise((r) => setTimeout(r, 200));
    const o = await alpaca.trading.orders.limit({ symbol: "AAA", qty: 1, side: "buy", limitPrice: 1, timeInForce: "gtc" });
    await alpaca.trading.orders.deleteOrderByOrderID({ orderId: o.id ?? "" });
    expect((await alpaca.trading.orders.getOrderByOrderID({ orderId: o.id ?? "" })).status).toBe("pending_cancel");
    a.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    const bad = spawnSync(process.execPath, [BIN, "exchange", "--gen-symbols", "1", "--gen-days", "1", "--corrections", "2"], { cwd: ROOT, env: ENV, encoding: "utf8" });
    expect([bad.status, bad.stderr]).toEqual([1, expect.stringMatching(/--corrections is out of range \(got "2"\)/)]);
    const tiny = spawnSync(process.execPath, [BIN, "exchange", "--gen-symbols", "1", "--gen-days", "1", "--max-frame-bytes", "10"], { cwd: ROOT, env: ENV, encoding: "utf8" });
    expect([tiny.status, tiny.stderr]).toEqual([1, expect.stringMatching(/--max-frame-bytes must be an integer >= 1024 \(got "10"\)/)]);
  }, 60_000);

  it("refuses to start without both keys, and never prints the secret", () => {
    const r = spawnSync(process.execPath, [BIN, "exchange", "--gen-symbols", "1", "--gen-days", "1"], {
      cwd: ROOT, env: { ...process.env, APCA_API_KEY_ID: "", APCA_API_SECRET_KEY: "do-not-print-me" }, encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment/);
    expect(r.stdout + r.stderr).not.toContain("do-not-print-me");
  });

  it("documents itself with an example", () => {
    const help = execFileSync(process.execPath, [BIN, "exchange", "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(help).toMatch(/Example:\n\s+\$ APCA_API_KEY_ID=/);
    expect(help).toMatch(/--speed <n\|max>/);
    expect(help).toMatch(/--state <dir>/);
    for (const flag of ["--cancel-delay-ms", "--reject-after-accept", "--broker-cancel", "--corrections", "--stream-lag-ms", "--auth-timeout-ms", "--extra-event", "--no-wash-stops", "--shared-execution-ids", "--no-fill-while-pending-cancel", "--replace-group-qty", "--max-frame-bytes", "--max-symbols"]) {
      expect(help).toContain(flag);
    }
  });
});
