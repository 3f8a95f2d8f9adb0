import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REDACTED, createLogger, secretScrubber, type LoggerOptions } from "../../src/cli/logger.ts";

const KEY_ID = "PKTESTKEYID0123456789";
const SECRET = "sEcReT/0123456789abcdefghijklmnopqrstuvwx";

function capture(o: LoggerOptions = {}): { log: ReturnType<typeof createLogger>; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const log = createLogger({ secrets: [KEY_ID, SECRET], ...o, destination: { write: (s: string) => void lines.push(s) } });
  return { log, lines, text: () => lines.join("") };
}

function expectClean(text: string): void {
  expect(text).not.toContain(KEY_ID);
  expect(text).not.toContain(SECRET);
  expect(text).toContain(REDACTED);
}

describe("createLogger", () => {
  it("writes one JSON line per event when not pretty", () => {
    const { log, lines } = capture({ pretty: false });
    log.info({ symbol: "GME" }, "bar");
    log.warn("stall");
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.endsWith("}\n") && !l.slice(0, -1).includes("\n")).toBe(true);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { level: 30, name: "sizewise", symbol: "GME", msg: "bar" },
      { level: 40, msg: "stall" },
    ]);
  });

  it("redacts secret keys at the top level, one and two levels down, and any header", () => {
    const { log, lines, text } = capture();
    log.info({
      keyId: "k1",
      secretKey: "k2",
      alpaca: { key: "k3", password: "k4", auth: { token: "k5", secret: "k6" } },
      req: { headers: { "APCA-API-KEY-ID": "k7", "x-anything": "k8" } },
      "APCA-API-SECRET-KEY": "k9",
      symbol: "AMC",
    });
    const o = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(o).toMatchObject({
      keyId: REDACTED,
      secretKey: REDACTED,
      alpaca: { key: REDACTED, password: REDACTED, auth: { token: REDACTED, secret: REDACTED } },
      req: { headers: { "APCA-API-KEY-ID": REDACTED, "x-anything": REDACTED } },
      "APCA-API-SECRET-KEY": REDACTED,
      symbol: "AMC",
    });
    expect(text()).not.toMatch(/"k\d"/);
  });

  it("scrubs secret values under innocent keys, however deep", () => {
    const { log, text } = capture();
    log.info({ config: { broker: { alpaca: { credentials: [`id=${KEY_ID}`, SECRET] } } }, note: `key ${KEY_ID} in use` }, "started");
    expectClean(text());
    expect(text()).toContain(`"note":"key ${REDACTED} in use"`);
  });

  it("scrubs secrets from Error messages and stacks, logged alone or under err", () => {
    const { log, lines, text } = capture();
    const err = new Error(`401 for key ${KEY_ID} with ${SECRET}`);
    log.error(err);
    log.error({ err, request: { url: `https://paper-api.alpaca.markets/v2/orders?k=${SECRET}` } }, "order failed");
    expectClean(text());
    const first = JSON.parse(lines[0]) as { msg: string; err: { message: string; stack: string } };
    expect(first.err.message).toBe(`401 for key ${REDACTED} with ${REDACTED}`);
    expect(first.err.stack).toContain(`Error: 401 for key ${REDACTED}`);
    expect(first.msg).toBe(first.err.message);
  });

  it("scrubs secrets in the message string, format arguments and child bindings", () => {
    const { log, text } = capture();
    log.info(`connecting with ${KEY_ID}`);
    log.info("auth %s / %o", SECRET, { id: KEY_ID });
    log.child({ account: KEY_ID }).info("child line");
    expectClean(text());
    expect(text().match(/\[REDACTED\]/g)).toHaveLength(4);
  });

  it("scrubs a secret that JSON has to escape", () => {
    const quirky = 'ab"cd\\ef-0123456789';
    const lines: string[] = [];
    const log = createLogger({ secrets: [quirky], destination: { write: (s: string) => void lines.push(s) } });
    log.info({ v: `x${quirky}y` }, quirky);
    expect(JSON.parse(lines[0])).toMatchObject({ v: `x${REDACTED}y`, msg: REDACTED });
  });

  it("pretty prints human lines, still scrubbed and redacted", () => {
    const { log, text } = capture({ pretty: true });
    log.info({ keyId: KEY_ID, nested: { v: SECRET } }, `hello ${KEY_ID}`);
    expectClean(text());
    expect(text()).toMatch(/INFO.*\(sizewise\): hello \[REDACTED\]/);
    expect(() => JSON.parse(text())).toThrow();
  });

  it("writes JSON synchronously to a non-terminal file descriptor by default", () => {
    const dir = mkdtempSync(join(tmpdir(), "sizewise-log-"));
    const file = join(dir, "out.log");
    const fd = openSync(file, "w");
    try {
      createLogger({ destination: fd, secrets: [SECRET] }).info({ s: SECRET }, "to file");
      // Read straight after the call: a buffered or worker-thread writer would not have written yet.
      const o = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      expect(o).toMatchObject({ s: REDACTED, msg: "to file" });
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("honours the level", () => {
    const { log, lines } = capture({ level: "warn" });
    log.info("hidden");
    log.error("shown");
    expect(lines).toHaveLength(1);
  });
});

describe("secretScrubber", () => {
  it("ignores empty or missing secrets instead of mangling every line", () => {
    expect(secretScrubber(["", "  ", undefined])("a line")).toBe("a line");
  });

  it("replaces a longer secret whole when it contains a shorter one", () => {
    expect(secretScrubber(["abcdefgh", "abcdefghijkl"])("x abcdefghijkl y abcdefgh")).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it("does not match values too short to tell from ordinary words (a key id like \"local\")", () => {
    expect(secretScrubber(["local"])("--local on the local exchange")).toBe("--local on the local exchange");
  });
});
