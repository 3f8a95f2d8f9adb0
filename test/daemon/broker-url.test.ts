import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startExchange, type Exchange } from "../../src/exchange/server.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { readJournal } from "../../src/store/journal.ts";
import { parseState } from "../../src/store/state-schema.ts";

/**
 * The Alpaca code path end to end: `sizewise start --broker-url` (runRemote: REST warm-up, the
 * stocks and trading streams, wall-clock-free schedules on the broker's bar clock) against a local
 * exchange that outlives the bot, exactly as Alpaca paper does. The bot is killed with SIGKILL
 * mid-session and started again while the broker keeps replaying.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/sizewise.js");
const KEY = "PKBROKERURL";
const SECRET = "broker-url-secret-0123456789";

class Bot {
  out = "";
  err = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on("data", (d: Buffer) => (this.out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((r) => proc.once("exit", (code, signal) => r({ code, signal })));
  }

  async waitFor(re: RegExp, ms = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!re.test(this.out)) {
      if (Date.now() - t0 > ms) throw new Error(`bot printed no ${re}; stdout ${this.out}; stderr ${this.err.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The daemon's JSON log lines with this message. */
  logs(msg: string): Record<string, unknown>[] {
    return this.err
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === msg);
  }
}

const live: Bot[] = [];
let ex: Exchange | null = null;
afterEach(async () => {
  for (const b of live.splice(0)) b.proc.kill("SIGKILL");
  await ex?.close();
  ex = null;
});

function journalEvents(stateDir: string) {
  return readdirSync(join(stateDir, "journal"))
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.jsonl?$/.test(f))
    .map((f) => f.slice(0, 10))
    .filter((d, i, all) => all.indexOf(d) === i)
    .sort()
    .flatMap((d) => readJournal(stateDir, d));
}

describe("sizewise start --broker-url: the Alpaca paper code path against a separate exchange", () => {
  it("trades the remote broker, survives SIGKILL mid-session, and ends with journal, state and broker in agreement", async () => {
    const series = generateSeries({ seed: 3, symbols: 8, days: 3, selloffProb: 0.25 });
    const symbols = series.map((s) => s.symbol);
    // 6000 bar-minutes per minute: 10 ms per minute, three sessions in about 12 s.
    ex = await startExchange({ keyId: KEY, secretKey: SECRET, bars: series, speed: 6000, initialCashUsd: 100_000, frictionPctRoundTrip: 0, partialFill: { fraction: 0.3, seed: 5 } });
    const dir = mkdtempSync(join(tmpdir(), "sw-broker-url-"));
    const cfg = join(dir, "config.json");
    writeFileSync(cfg, JSON.stringify({ strategy: { minDayChangePct: -10 }, sizing: { mode: "full" }, daemon: { reconnectInitialMs: 20 } }));
    const state = join(dir, "state");
    const bot = (): Bot => {
      const b = new Bot(
        spawn(process.execPath, [BIN, "start", "--broker-url", ex!.url, "--symbols", symbols.join(","), "--state", state, "--config", cfg], {
          cwd: ROOT,
          env: { ...process.env, APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET },
          stdio: "pipe",
        }),
      );
      live.push(b);
      return b;
    };

    const first = bot();
    await first.waitFor(/sizewise: trading /);
    const replay = ex.play();
    // Kill the bot once it has orders at the broker and the replay is into its second session.
    const t0 = Date.now();
    while (!(ex.book.allOrders().length > 0 && ex.nowMs > series[0].tMs[0] + 86_400_000)) {
      if (Date.now() - t0 > 30_000) throw new Error(`the bot placed no order in time (replay at ${new Date(ex.nowMs).toISOString()}): ${first.err.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    first.proc.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    parseState(readFileSync(join(state, "state.json"), "utf8"), "state.json");

    const second = bot();
    await second.waitFor(/sizewise: trading /);
    await replay;
    // Let the bot drain the last minute's frames, then stop it the way an operator does.
    await new Promise((r) => setTimeout(r, 500));
    second.proc.kill("SIGTERM");
    expect(await second.exited).toEqual({ code: 0, signal: null });

    const recovered = second.logs("recovered")[0];
    expect(recovered).toMatchObject({ resumed: true, flags: [] });
    expect(Number(recovered.adoptedOrders)).toBeGreaterThan(0);

    // Every order the bot placed is at the broker once, and journaled as exactly one submission.
    const ours = ex.book.allOrders().filter((o) => o.client_order_id.startsWith("bear-trap."));
    expect(ours.length).toBeGreaterThan(3);
    const events = journalEvents(state);
    const submitted = events.filter((e) => e.type === "order_submitted").map((e) => String(e.clientOrderId));
    expect(new Set(submitted).size).toBe(submitted.length);
    // A submission the broker refused (4xx) leaves no order there; the journal says why.
    const refused = new Set(events.filter((e) => e.type === "order_update" && e.event === "rejected").map((e) => String(e.clientOrderId)));
    expect(submitted.filter((c) => !refused.has(c)).sort()).toEqual(ours.map((o) => o.client_order_id).sort());
    // A broker that runs ahead races the bot (an exit re-laid before the old one's cancel lands is
    // refused once and laid again at the next bar), but there is no storm of refusals, and a fill
    // that beats its order's POST answer waits for it instead of being lost.
    expect(refused.size).toBeLessThan(4);
    expect(events.filter((e) => e.type === "order_update" && e.event === "unknown_fill")).toEqual([]);
    // Every execution of the broker's is in the journal once: same count, same shares.
    const executions = ex.book.executions();
    const fills = events.filter((e) => e.type === "fill");
    expect(fills.length).toBe(executions.length);
    expect(fills.reduce((n, e) => n + Number(e.qty), 0)).toBe(executions.reduce((n, x) => n + x.qty, 0));
    // The session was flattened on the broker's clock; state and broker agree there is nothing open.
    expect(ex.book.allPositions()).toEqual([]);
    const saved = parseState(readFileSync(join(state, "state.json"), "utf8"), "state.json");
    expect(Object.keys(saved.positions)).toEqual([]);
    // Keys never reach the journal, the state or the logs.
    const everything = [first.out, first.err, second.out, second.err, readFileSync(join(state, "state.json"), "utf8"), JSON.stringify(events)].join("\n");
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(KEY);
  }, 120_000);
});
