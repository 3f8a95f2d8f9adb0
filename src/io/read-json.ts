import { readFileSync } from "node:fs";

/** A JSON file's parsed content, or why there is none (a value, not a throw: callers decide). */
export type JsonFileRead =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly kind: "missing" | "io" | "json"; readonly detail: string; readonly cause: unknown };

/** Reads and parses `path`; `what` names the file in the missing case ("no Q-table file"). */
export function readJsonFile(path: string, what: string): JsonFileRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return { ok: false, kind: missing ? "missing" : "io", detail: missing ? `no ${what} file` : `cannot read: ${(e as Error).message}`, cause: e };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, kind: "json", detail: `not valid JSON: ${(e as Error).message}`, cause: e };
  }
}
