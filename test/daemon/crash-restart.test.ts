import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../src/store/journal.ts";
import { parseState } from "../../src/store/state-schema.ts";
import { writeHaltFlag } from "../../src/store/halt-flag.ts";

const FIXTURE = join(import.meta.dirname, "fixtures", "local-daemon.ts");

interface RunOut {
  trades: unknown[];
  brokerOrders: { clientOrderId: string; status: string; filledQty: number }[];
  recovery: { resumed: boolean; adoptedOrders: number; appliedFills: number; posted: string[]; flags: string[] };
  resumed: boolean;
}

/** Runs the fixture; resolves with its stdout and exit signal. `until` kills it with SIGKILL when a line matches. */
function run(stateDir: string, env: Record<string, string>, until?: string): Promise<{ out: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, stateDir], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (until !== undefined && out.includes(until)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => (code !== 0 && signal === null ? reject(new Error(`fixture exited ${code}: ${err}`)) : resolve({ out, signal, code })));
  });
}

function result(out: string): RunOut {
  const line = out.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as RunOut;
}

function journalEvents(stateDir: string) {
  const dir = join(stateDir, "journal");
  return readdirSync(dir)
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort()
    .flatMap((f) => readJournal(stateDir, f.slice(0, 10)));
}

/** Fills as the journal has them, with the recovery marker removed: a multiset to compare across runs. */
function journalFills(stateDir: string): string[] {
  return journalEvents(stateDir)
    .filter((e) => e.type === "fill")
    .map((e) => `${String(e.clientOrderId)} ${String(e.qty)} @${Number(e.price).toFixed(6)} ${String(e.purpose)}`)
    .sort();
}

function orderKeys(r: RunOut): string[] {
  // Legs of an OCO get random client ids from the broker; the bot's own orders are what can be duplicated.
  return r.brokerOrders.filter((o) => o.clientOrderId.startsWith("bear-trap.")).map((o) => `${o.clientOrderId} ${o.status} ${o.filledQty}`).sort();
}

describe("crash and restart mid-session (SIGKILL) on the embedded exchange", () => {
  let reference: { r: RunOut; dir: string } | null = null;
  const ref = async () => {
    if (reference === null) {
      const dir = mkdtempSync(join(tmpdir(), "sw-crash-ref-"));
      reference = { r: result((await run(dir, {})).out), dir };
    }
    return reference;
  };

  it("killed while positions and their exit orders rest at the broker: resumes the session, duplicates nothing, journals every fill", async () => {
    const { r: clean, dir: cleanDir } = await ref();
    expect(clean.trades.length).toBeGreaterThan(3);
    const dir = mkdtempSync(join(tmpdir(), "sw-crash-"));
    const killed = await run(dir, { KILL_AT: "open" }, "READY");
    expect(killed.signal).toBe("SIGKILL");
    // What the kill left parses, and it holds the open position.
    const state = parseState(readFileSync(join(dir, "state.json"), "utf8"), "state.json");
    expect(Object.keys(state.positions).length).toBeGreaterThan(0);
    expect(existsSync(join(dir, "exchange", "book.json"))).toBe(true);

    const again = result((await run(dir, {})).out);
    expect(again.resumed).toBe(true);
    expect(again.recovery.adoptedOrders).toBeGreaterThan(0);
    expect(again.recovery.flags).toEqual([]);
    // The same trades, and at the broker the same orders: none placed twice, none lost.
    expect(again.trades).toEqual(clean.trades);
    expect(orderKeys(again)).toEqual(orderKeys(clean));
    // Every fill once in the journal, as in the run that was never killed.
    expect(journalFills(dir)).toEqual(journalFills(cleanDir));
    // One order_submitted per order, the same ones as the run that was never killed.
    const submitted = (d: string) => journalEvents(d).filter((e) => e.type === "order_submitted").map((e) => String(e.clientOrderId)).sort();
    expect(new Set(submitted(dir)).size).toBe(submitted(dir).length);
    expect(submitted(dir)).toEqual(submitted(cleanDir));
  }, 120_000);

  it("killed between the write-ahead intent line and the POST: the order is sent once, after the restart", async () => {
    const { r: clean, dir: cleanDir } = await ref();
    const dir = mkdtempSync(join(tmpdir(), "sw-crash-post-"));
    const killed = await run(dir, { KILL_IN_POST: "7" });
    expect(killed.signal).toBe("SIGKILL");
    // The log also holds where each fill reached the engine; the order lines are the ones with an intent.
    const intents = readFileSync(join(dir, "intents.jsonl"), "utf8").trim().split("\n").filter((l) => l.includes('"intent":'));
    expect(intents).toHaveLength(7);
    const again = result((await run(dir, {})).out);
    expect(again.recovery.posted.length).toBeGreaterThan(0);
    expect(again.trades).toEqual(clean.trades);
    expect(orderKeys(again)).toEqual(orderKeys(clean));
    expect(journalFills(dir)).toEqual(journalFills(cleanDir));
  }, 120_000);

  it("killed inside an entry's send, then halted while down: the restart holds the entry back instead of sending it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sw-crash-halt-"));
    const killed = await run(dir, { KILL_AT: "entry" });
    expect(killed.signal).toBe("SIGKILL");
    const logged = readFileSync(join(dir, "intents.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { clientOrderId?: string; intent?: { purpose: string } });
    const entry = logged.filter((l) => l.intent?.purpose === "entry").pop()!.clientOrderId!;
    writeHaltFlag(dir, { reason: "operator halt while the bot was down", source: "manual", at: new Date().toISOString() });
    const again = result((await run(dir, {})).out);
    expect(again.brokerOrders.map((o) => o.clientOrderId)).not.toContain(entry);
    expect(journalEvents(dir).filter((e) => e.type === "reconcile" && e.kind === "held_back").map((e) => e.clientOrderId)).toEqual([entry]);
  }, 120_000);
});
