import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

describe("`start` twice on one state folder (issue 13, item 1)", () => {
  it("a finished run is not resumed: the second start is a new run, and says so", async () => {
    const state = join(mkdtempSync(join(tmpdir(), "sw-twice-")), "state");
    const first = await runCli(["start", "--state", state, "--gen-days", "3", "--gen-symbols", "3"]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).not.toContain("NEW run");
    const second = await runCli(["start", "--state", state, "--gen-days", "3", "--gen-symbols", "3"]);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain("held a run whose replay had finished, so this was a NEW run beside it");
  }, 120_000);
});
