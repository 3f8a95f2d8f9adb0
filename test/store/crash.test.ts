import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal, readJournal } from "../../src/store/journal.ts";
import { FileStateStore } from "../../src/store/state-store.ts";
import { tempDir } from "./helpers.ts";

let dir = "";
let cleanup = (): void => {};
beforeEach(() => ({ dir, cleanup } = tempDir("sizewise-crash-")));
afterEach(() => cleanup());

const fixture = join(import.meta.dirname, "fixtures", "crash-writer.ts");

/** Runs the writer until it has acknowledged `minAcks` more indices, then SIGKILLs it. */
function runAndKill(minAcks: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, dir], { stdio: ["ignore", "pipe", "pipe"] });
    let last = -1;
    let acks = 0;
    let buf = "";
    let err = "";
    let killing = false;
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const l of lines) {
        last = Number(l);
        acks++;
      }
      if (acks >= minAcks && !killing) {
        killing = true;
        setTimeout(() => child.kill("SIGKILL"), extraMs);
      }
    });
    child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve(last) : reject(new Error(`writer exited without SIGKILL: ${err}`))));
  });
}

describe("SIGKILL at arbitrary moments", () => {
  it("leaves a loadable state and a parseable journal holding every acknowledged write", async () => {
    let expected = 0;
    for (let round = 0; round < 8; round++) {
      const lastAck = await runAndKill(20, (round * 7) % 13);
      expect(lastAck).toBeGreaterThanOrEqual(expected);
      const { store, issue } = await FileStateStore.open(dir);
      expect(issue).toBeNull();
      const stored = store.lastBarTime("X")!;
      expect(stored).toBeGreaterThanOrEqual(lastAck);
      expect(store.getStrategyState("X")).toMatchObject({ i: stored });
      const j = Journal.open(dir);
      const events = readJournal(dir, "2026-01-05");
      const idx = events.map((e) => e.i as number);
      // Contiguous, no duplicates, nothing acknowledged lost (at most the in-flight one extra).
      expect(idx).toEqual(Array.from({ length: idx.length }, (_, k) => k));
      expect(idx.at(-1)).toBeGreaterThanOrEqual(lastAck);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: idx.length }, (_, k) => k + 1));
      // The kill may land between the journal append and the state commit: one ahead at most.
      expect(idx.at(-1)! - stored).toBeLessThanOrEqual(1);
      j.close();
      expected = stored;
    }
  }, 60_000);
});
