import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesToAlpacaCsv } from "../../src/data/csv-writer.ts";
import { runCli } from "./run-cli.ts";

/**
 * Issue 13, item 7: `start` says what is real (broker, data, symbols, absolute paths), never trades
 * generated bars under real tickers' names unasked, refuses symbols its data lacks; config, .env and
 * state resolve from one home; commands on a state folder refuse one that does not exist.
 */

const bin = resolve(import.meta.dirname, "../../bin/sizewise.js");
const temp = (): string => mkdtempSync(join(tmpdir(), "sw-real-"));
const saved = { id: process.env.APCA_API_KEY_ID, secret: process.env.APCA_API_SECRET_KEY, home: process.env.SIZEWISE_HOME };
let home = "";

beforeAll(() => {
  delete process.env.APCA_API_KEY_ID;
  delete process.env.APCA_API_SECRET_KEY;
  home = temp();
  process.env.SIZEWISE_HOME = home;
});
afterAll(() => {
  for (const [k, v] of [["APCA_API_KEY_ID", saved.id], ["APCA_API_SECRET_KEY", saved.secret], ["SIZEWISE_HOME", saved.home]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("start says what is real", () => {
  it("without keys, --symbols AMC,GME and no --data is refused: it would be generated bars under real names", async () => {
    const r = await runCli(["start", "--symbols", "AMC,GME"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("refusing to trade AMC, GME: no Alpaca keys: APCA_API_KEY_ID and APCA_API_SECRET_KEY are not set");
    expect(r.err).toContain("GENERATED bars that merely carry those names");
    expect(r.err).toContain("--generated");
    expect(existsSync(join(home, "state"))).toBe(false);
  });

  it("with only the key id set it says so, and still refuses", async () => {
    process.env.APCA_API_KEY_ID = "PKONLYTHEID";
    try {
      const r = await runCli(["start", "--symbols", "AMC,GME"]);
      expect(r.code).toBe(1);
      expect(r.err).toContain("only APCA_API_KEY_ID is set in the environment or");
      expect(r.err).toContain("APCA_API_SECRET_KEY is missing");
    } finally {
      delete process.env.APCA_API_KEY_ID;
    }
  });

  it("with --generated it trades them, and the banner says GENERATED, local exchange, and every path absolute", async () => {
    const r = await runCli(["start", "--symbols", "AMC,GME", "--generated", "--gen-days", "1"]);
    expect(r.code, r.err).toBe(0);
    const banner = r.out.split("\n")[0];
    expect(banner).toMatch(/^sizewise start \| broker: local exchange, embedded paper exchange on 127\.0\.0\.1 \(no Alpaca keys/);
    expect(banner).toContain("data: GENERATED bars, not market prices");
    expect(banner).toContain("named by --symbols with --generated");
    expect(banner).toContain("symbols (2): AMC, GME");
    expect(banner).toContain(`home: ${home} (SIZEWISE_HOME)`);
    expect(banner).toContain(`config: ${join(home, "config", "local.json")} (absent: defaults)`);
    expect(banner).toContain(`.env: ${join(home, ".env")} (absent)`);
    expect(banner).toContain(`state: ${join(home, "state")}`);
    expect(existsSync(join(home, "state", "state.json"))).toBe(true);
  });

  it("generated symbols never borrow a ticker: invented names carry a digit", async () => {
    const state = join(temp(), "state");
    const r = await runCli(["start", "--gen-symbols", "3", "--gen-days", "1", "--state", state]);
    expect(r.code, r.err).toBe(0);
    const m = /symbols \(3\): ([A-Z0-9, ]+) \|/.exec(r.out);
    expect(m?.[1].split(", ")).toHaveLength(3);
    for (const s of m![1].split(", ")) expect(s).toMatch(/^[A-Z]{3}[0-9]$/);
    expect(r.out).toContain("invented names that are no real ticker");
    expect(r.out).toContain(`state: ${state}`);
  });

  it("a symbol the data does not have is refused with the list of what it has", async () => {
    const data = temp();
    for (const s of generateSeries({ seed: 2, symbols: ["AAA", "BBB"], days: 1, calendar: true })) writeFileSync(join(data, `${s.symbol}.csv`), seriesToAlpacaCsv(s));
    const r = await runCli(["start", "--data", data, "--symbols", "AAA,ZZZ", "--state", join(temp(), "state")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no bars for ZZZ in ${data}; the data has: AAA, BBB`);
    // backtest shares the loader: the same refusal, not a silent drop.
    const b = await runCli(["backtest", "--data", data, "--symbols", "ZZZ", "--no-cache"]);
    expect(b.err).toContain("no bars for ZZZ");
  });

  it("names the data folder and the bars it refused as implausible", async () => {
    const data = temp();
    const [s] = generateSeries({ seed: 2, symbols: ["AAA"], days: 1, calendar: true });
    const lines = seriesToAlpacaCsv(s).trimEnd().split("\n");
    const cells = lines[5].split(",");
    lines[5] = [cells[0], "1e300", "1e300", ...cells.slice(3)].join(","); // open and high at $1e300
    writeFileSync(join(data, "AAA.csv"), `${lines.join("\n")}\n`);
    const r = await runCli(["start", "--data", data, "--state", join(temp(), "state")]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`data: files in ${data} (${s.length - 1} bars)`);
    expect(r.out).toContain(`refused 1 bar that cannot be real and went on without them: 1 x price above $1000000 (first: ${join(data, "AAA.csv")} line 6)`);
  });
});

describe("one home for config, .env and state", () => {
  it("config set from another folder writes the home's config/local.json and says where", () => {
    const h = temp();
    mkdirSync(join(h, "config"));
    const elsewhere = temp();
    const env = { ...process.env, SIZEWISE_HOME: h, CI: "1" };
    const out = execFileSync(process.execPath, [bin, "config", "set", "sizing.mode", "kelly"], { cwd: elsewhere, env, encoding: "utf8" });
    expect(out).toContain(`in ${join(h, "config", "local.json")} (home: SIZEWISE_HOME)`);
    expect(JSON.parse(readFileSync(join(h, "config", "local.json"), "utf8")).sizing.mode).toBe("kelly");
    expect(existsSync(join(elsewhere, "config"))).toBe(false);
    // --home wins over SIZEWISE_HOME, and the same file is what every command reads.
    const show = execFileSync(process.execPath, [bin, "config", "get", "sizing.mode", "--home", h], { cwd: elsewhere, env: { ...env, SIZEWISE_HOME: elsewhere }, encoding: "utf8" });
    expect(JSON.parse(show)).toBe("kelly");
  });

  it("a home that does not exist is refused", async () => {
    const r = await runCli(["status", "--home", join(home, "no-such-home")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`home folder ${join(home, "no-such-home")} (from --home) does not exist`);
    const e = spawnSync(process.execPath, [bin, "journal"], { env: { ...process.env, SIZEWISE_HOME: join(home, "typo") }, encoding: "utf8" });
    expect(e.status).toBe(1);
    expect(e.stderr).toContain("(from SIZEWISE_HOME) does not exist");
  });

  it.each([["halt"], ["resume"], ["status"], ["journal"], ["report"]])("%s refuses a state folder that does not exist, and does not create it", async (cmd) => {
    const typo = join(temp(), "stat");
    const r = await runCli([cmd, "--state", typo]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no state folder at ${typo}`);
    expect(existsSync(typo)).toBe(false);
  });
});
