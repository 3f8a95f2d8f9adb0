import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { watchConfig } from "../../src/config/watch.ts";
import { until } from "./until.ts";

describe("the config watcher", () => {
  it("picks up an edit, refuses a bad one keeping the last good config, and follows an editor's rename-over save", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sw-watch-"));
    const file = join(dir, "local.json");
    const changes: [string, string][] = [];
    const refused: string[] = [];
    const w = watchConfig({
      file,
      optional: true,
      initial: defaultConfig(),
      debounceMs: 30,
      onChange: (next: Config, prev: Config) => changes.push([prev.sizing.mode, next.sizing.mode]),
      onRejected: (m) => refused.push(m),
    });
    try {
      writeFileSync(file, JSON.stringify({ sizing: { mode: "kelly" } }));
      await until(() => changes.length === 1, "the first change");
      expect(changes[0]).toEqual(["fixed", "kelly"]);
      expect(w.current.sizing.mode).toBe("kelly");

      writeFileSync(file, JSON.stringify({ sizing: { mode: "kelly_conf" } }));
      await until(() => refused.length === 1, "the refusal");
      expect(refused[0]).toMatch(/sizing\.mode: .*\(got "kelly_conf"\); allowed: one of "fixed", "kelly"/);
      expect(refused[0]).toContain("keeping the config in force");
      expect(w.current.sizing.mode).toBe("kelly");

      writeFileSync(file, "{ not json");
      await until(() => refused.length === 2, "the second refusal");
      expect(refused[1]).toContain("not valid JSON");

      // Editors write a temp file and rename it over the original.
      writeFileSync(join(dir, "local.json.tmp"), JSON.stringify({ sizing: { mode: "full" } }));
      renameSync(join(dir, "local.json.tmp"), file);
      await until(() => changes.length === 2, "the change after a rename");
      expect(changes[1]).toEqual(["kelly", "full"]);

      // An optional file removed: back to the defaults.
      rmSync(file);
      await until(() => changes.length === 3, "the change after removal");
      expect(changes[2]).toEqual(["full", "fixed"]);
    } finally {
      w.close();
    }
  });
});
