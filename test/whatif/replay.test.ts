import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDateTime, parseMoney, parseTradeCsv } from "../../src/whatif/trade-csv.ts";
import { replayRule, standardRules, toUnits, type RuleResult } from "../../src/whatif/replay.ts";
import { allocate, strategyStats } from "../../src/whatif/allocate.ts";
import { runCli } from "../cli/run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "sw-replay-"));
function csv(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const YEAR_MS = 365.25 * 86_400_000;

interface ReplayJson {
  trades: number;
  basis: string;
  rejected: { count: number; rows: { line: number; reason: string }[] };
  rules: RuleResult[];
  strategies: { strategy: string; n: number; winRate: number; payoff: number; fullKelly: number; halfKelly: number; quarterKelly: number; maxConcurrent: number }[];
  allocation: { rows: { strategy: string; riskPerTrade: number; weight: number }[]; scale: number } | null;
}

async function replayJson(args: string[]): Promise<ReplayJson> {
  const r = await runCli(["replay", ...args, "--json"]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as ReplayJson;
}

const rule = (j: ReplayJson, name: string): RuleResult => j.rules.find((r) => r.rule === name)!;

describe("sizewise replay: the math, by hand", () => {
  it("fixed fraction compounds, fixed dollar does not; drawdown, CAGR and MAR from the equity path", async () => {
    const f = csv("three.csv", "date opened,date closed,symbol,strategy,R\n2024-01-02,2024-01-03,AAA,A,1\n2024-01-04,2024-01-05,AAA,A,-1\n2024-01-08,2024-01-09,AAA,A,2\n");
    const j = await replayJson(["--trades", f, "--fraction", "2"]);
    expect(j.basis).toBe("R");
    const ff = rule(j, "fixed fraction");
    // 100000 x 1.02 x 0.98 x 1.04
    expect(ff.endingEquityUsd).toBeCloseTo(103_958.4, 6);
    expect(ff.maxDrawdownPct).toBeCloseTo(((102_000 - 99_960) / 102_000) * 100, 9);
    const years = (Date.UTC(2024, 0, 9) - Date.UTC(2024, 0, 2)) / YEAR_MS;
    const cagr = ((103_958.4 / 100_000) ** (1 / years) - 1) * 100;
    expect(ff.cagrPct).toBeCloseTo(cagr, 6);
    expect(ff.mar).toBeCloseTo(cagr / ff.maxDrawdownPct, 6);
    const fd = rule(j, "fixed dollar");
    expect(fd.endingEquityUsd).toBeCloseTo(104_000, 9);
    expect(fd.maxDrawdownPct).toBeCloseTo((2000 / 102_000) * 100, 9);
    // R only: no P/L, so no "as traded" row.
    expect(j.rules.find((r) => r.rule === "as traded")).toBeUndefined();
  });

  it("Kelly from a known W and B: K = W - (1 - W) / B, and full Kelly replayed in sample", async () => {
    // W = 0.6 (six wins of 2R), four losses of 1R: B = 2, K = 0.6 - 0.4 / 2 = 0.4.
    const rs = [2, 2, -1, -1, 2, -1, 2, 2, -1, 2];
    const rows = rs.map((r, i) => `2024-02-${String(i * 2 + 1).padStart(2, "0")},2024-02-${String(i * 2 + 2).padStart(2, "0")},BBB,B,${r}`);
    const f = csv("kelly.csv", `Date Opened,Date Closed,Ticker,Strategy,R Multiple\n${rows.join("\n")}\n`);
    const j = await replayJson(["--trades", f, "--in-sample"]);
    const s = j.strategies[0];
    expect(s.winRate).toBeCloseTo(0.6, 12);
    expect(s.payoff).toBeCloseTo(2, 12);
    expect(s.fullKelly).toBeCloseTo(0.4, 12);
    expect(s.halfKelly).toBeCloseTo(0.2, 12);
    expect(s.quarterKelly).toBeCloseTo(0.1, 12);
    // Each win multiplies equity by 1 + 0.4 x 2, each loss by 1 - 0.4.
    expect(rule(j, "full Kelly").endingEquityUsd).toBeCloseTo(100_000 * 1.8 ** 6 * 0.6 ** 4, 4);
    expect(rule(j, "half Kelly").endingEquityUsd).toBeCloseTo(100_000 * 1.4 ** 6 * 0.8 ** 4, 4);
    expect(rule(j, "quarter Kelly").endingEquityUsd).toBeCloseTo(100_000 * 1.2 ** 6 * 0.9 ** 4, 4);
    // Without --in-sample, Kelly waits for --min-sample closed trades (fixed fraction until then).
    const rolling = await replayJson(["--trades", f, "--min-sample", "20"]);
    expect(rule(rolling, "full Kelly").endingEquityUsd).toBeCloseTo(rule(rolling, "fixed fraction").endingEquityUsd, 6);
  });

  it("rolling Kelly sizes a trade only from trades that closed before it opened", () => {
    const parsed = parseTradeCsv("opened,closed,r\n2024-01-01,2024-01-10,3\n2024-01-02,2024-01-03,-1\n2024-01-04,2024-01-05,-1\n2024-01-11,2024-01-12,1\n");
    const { trades } = toUnits(parsed.trades);
    const seen: number[][] = [];
    const probe = { name: "probe", describe: "", fraction: (c: { history: readonly { r: number | null }[] }) => (seen.push(c.history.map((h) => h.r!)), { f: 0.01, why: "" }) };
    replayRule(trades, probe, 100_000);
    // The 3R trade closes on the 10th: only the last trade may see it.
    expect(seen).toEqual([[], [], [-1], [-1, -1, 3]]);
    const rules = standardRules({ fraction: 0.02, minSample: 2, window: 50, inSample: false, strategyKelly: new Map() });
    const full = replayRule(trades, rules.find((r) => r.name === "full Kelly")!, 100_000);
    // Trade 3 sees one loss (too few), trade 4 sees [-1, -1, 3]: W 1/3, B 3, K = 1/3 - (2/3)/3 = 1/9.
    expect(full.path.at(-1)!.equityUsd).toBeCloseTo(full.path.at(-2)!.equityUsd * (1 + 1 / 9), 6);
  });

  it("margin utilisation: contracts follow the risk, margin follows the contracts", async () => {
    // One strategy, one losing trade: 2 contracts, $2000 margin, -$300 (-$150 a contract = one average loss).
    const f = csv("margin.csv", "Date Opened,Time Opened,Date Closed,Symbol,Strategy,No. of Contracts,Margin Req.,P/L\n2024-03-01,10:30,2024-03-04,SPX,PCS,2,\"2,000.00\",($300.00)\n");
    const j = await replayJson(["--trades", f]);
    expect(j.basis).toBe("average loss");
    // 2% of $100k at risk = 13.33 contracts of $150 risk, each needing $1000 of margin.
    expect(rule(j, "fixed fraction").maxMarginPct).toBeCloseTo((2000 / 150) * 1000 / 1000, 6);
    expect(rule(j, "fixed fraction").endingEquityUsd).toBeCloseTo(98_000, 6);
    const own = rule(j, "as traded");
    expect(own.endingEquityUsd).toBeCloseTo(99_700, 6);
    expect(own.maxMarginPct).toBeCloseTo(2, 9);
  });

  it("--allocate scales half Kelly by peak concurrency into the risk limit", async () => {
    const a = [2, 2, -1, -1, 2, -1, 2, 2, -1, 2].map((r, i) => `2024-04-${String(i * 2 + 1).padStart(2, "0")},2024-04-${String(i * 2 + 2).padStart(2, "0")},A,${r}`);
    // B: two trades at a time; W 0.5, B 3 -> K = 1/3.
    const b = ["2024-05-01,2024-05-03,B,3", "2024-05-02,2024-05-04,B,-1", "2024-05-10,2024-05-12,B,3", "2024-05-11,2024-05-13,B,-1"];
    const f = csv("alloc.csv", `open_date,close_date,strategy,r\n${[...a, ...b].join("\n")}\n`);
    const j = await replayJson(["--trades", f, "--allocate", "--risk-limit", "10"]);
    const peaks = 0.2 * 1 + (1 / 3 / 2) * 2;
    expect(j.allocation!.scale).toBeCloseTo(0.1 / peaks, 12);
    const byName = new Map(j.allocation!.rows.map((r) => [r.strategy, r]));
    expect(byName.get("A")!.riskPerTrade).toBeCloseTo(0.2 * (0.1 / peaks), 12);
    expect(byName.get("B")!.riskPerTrade).toBeCloseTo((1 / 6) * (0.1 / peaks), 12);
    expect(byName.get("A")!.weight).toBeCloseTo(0.2 / peaks, 12);
    expect(j.rules.some((r) => r.rule === "allocated")).toBe(true);
    // The library agrees with the CLI.
    const { trades } = toUnits(parseTradeCsv(`open_date,close_date,strategy,r\n${[...a, ...b].join("\n")}\n`).trades);
    expect(allocate(strategyStats(trades), 0.1).rows.map((r) => r.weight)).toEqual(j.allocation!.rows.map((r) => r.weight));
  });
});

describe("sizewise replay: liberal headers, strict values", () => {
  it("rejects bad rows with file:line and why, counts them, and replays the rest", async () => {
    const text = [
      "Date Opened,Date Closed,Symbol,Strategy,P/L,No. of Contracts",
      "2024-01-02,2024-01-03,SPY,S,100,1",
      "2024-13-01,2024-01-03,SPY,S,100,1", // line 3: month 13
      "2024-01-05,2024-01-04,SPY,S,100,1", // line 4: closed before opened
      "2024-01-05,2024-01-06,SPY,S,abc,1", // line 5: P/L not a number
      "2024-01-05,2024-01-06,SPY,S,100", // line 6: a field short
      "2024-01-05,2024-01-06,SPY,S,100,0", // line 7: zero contracts
      "2024-01-05,2024-01-06,SPY,S,,1", // line 8: no P/L
      "",
      "1/8/2024,1/9/2024,SPY,S,-50,1", // line 10: US dates are fine
      "2024-02-30,2024-03-01,SPY,S,10,1", // line 11: no such day
    ].join("\n");
    const f = csv("bad.csv", text);
    const j = await replayJson(["--trades", f]);
    expect(j.trades).toBe(2);
    expect(j.rejected.count).toBe(7);
    const byLine = new Map(j.rejected.rows.map((r) => [r.line, r.reason]));
    expect(byLine.get(3)).toMatch(/date opened "2024-13-01" is not a date/);
    expect(byLine.get(4)).toMatch(/closed .* before it opened/);
    expect(byLine.get(5)).toMatch(/P\/L "abc" is not a number/);
    expect(byLine.get(6)).toMatch(/expected 6 fields like the header, got 5/);
    expect(byLine.get(7)).toMatch(/contracts 0 must be more than 0/);
    expect(byLine.get(8)).toMatch(/needs a P\/L or an R/);
    expect(byLine.get(11)).toMatch(/date opened "2024-02-30" is not a date/);
    const textOut = await runCli(["replay", "--trades", f]);
    expect(textOut.code).toBe(0);
    expect(textOut.out).toContain("7 rows rejected");
    expect(textOut.out).toContain("bad.csv:3: date opened");
    expect(textOut.out).toMatch(/fixed fraction/);
  });

  it("names what the header lacks, and refuses a file with no valid trade", async () => {
    const r = await runCli(["replay", "--trades", csv("nohead.csv", "when,ticker,amount\n2024-01-01,A,1\n")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("the header lacks a date opened column");
    expect(r.err).toContain('"when"');
    const none = await runCli(["replay", "--trades", csv("none.csv", "opened,closed,pnl\nx,y,z\n")]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no valid trades \(1 rows rejected, e\.g\. line 2/);
  });

  it("reads money, dates and times the way exports write them", () => {
    expect(parseMoney("$1,234.50")).toBe(1234.5);
    expect(parseMoney("(300.00)")).toBe(-300);
    expect(parseMoney("-12")).toBe(-12);
    expect(parseMoney("12abc")).toBeNaN();
    expect(parseDateTime("2024-05-13", "10:31")).toBe(Date.UTC(2024, 4, 13, 10, 31));
    expect(parseDateTime("2024-05-13T14:31:00Z")).toBe(Date.UTC(2024, 4, 13, 14, 31));
    expect(parseDateTime("5/13/2024")).toBe(Date.UTC(2024, 4, 13));
    expect(parseDateTime("2024-05-13 25:00")).toBeNaN();
  });

  it("replays the shipped sample", async () => {
    const j = await replayJson(["--trades", new URL("../../config/samples/trades.csv", import.meta.url).pathname, "--allocate"]);
    expect(j.rejected.count).toBe(0);
    expect(j.strategies.map((s) => s.strategy)).toEqual(["Iron Condor", "Long Call", "Put Credit Spread"]);
    for (const r of j.rules) expect(Number.isFinite(r.endingEquityUsd)).toBe(true);
    expect(rule(j, "as traded").maxMarginPct).toBeGreaterThan(0);
  });
});
