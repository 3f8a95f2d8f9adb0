import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIGURES, findBlocks, normalise, replaceBlocks } from "../../scripts/docs-figures.ts";

/** The README's figure blocks and the script that rewrites them (`npm run docs:figures`; not run here: too slow). */
const README = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");

describe("docs:figures", () => {
  it("finds every figure's block in the README, fenced, and every block has a figure", () => {
    const blocks = findBlocks(README);
    expect(blocks.map((b) => b.name).sort()).toEqual(FIGURES.map((f) => f.name).sort());
    for (const b of blocks) {
      const body = README.slice(b.start, b.end);
      expect(body.startsWith(`${b.indent}\`\`\``), b.name).toBe(true);
      expect(body.endsWith(`${b.indent}\`\`\`\n`), b.name).toBe(true);
    }
  });

  it("rewrites only the named blocks' bodies, indented like their markers", () => {
    const text = ["intro", "1. step", "   <!-- figures:a -->", "   ```text", "   old a", "   ```", "   <!-- /figures:a -->", "", "<!-- figures:b -->", "```", "old b", "```", "<!-- /figures:b -->", "end", ""].join("\n");
    const out = replaceBlocks(text, new Map([["a", "```text\nnew a\n\nline 3\n```\n"]]));
    expect(out).toBe(["intro", "1. step", "   <!-- figures:a -->", "   ```text", "   new a", "", "   line 3", "   ```", "   <!-- /figures:a -->", "", "<!-- figures:b -->", "```", "old b", "```", "<!-- /figures:b -->", "end", ""].join("\n"));
    expect(() => findBlocks("<!-- figures:x -->\n```\n```\n")).toThrow(/has no <!-- \/figures:x -->/);
  });

  it("shows scratch and project paths as typed, and a run's random id as 1a2b3c4d", () => {
    const id = "7f629e58-b78c-4774-b100-1bad7b6590f5";
    const text = `sizewise status: /tmp/sw-figures-x/state-full\nrun 7f629e58 | ${id} | /work/p/config/samples/trades.csv | /tmp/sw-figures-x`;
    expect(normalise(text, { scratch: "/tmp/sw-figures-x", root: "/work/p", runIds: [id] })).toBe(`sizewise status: state-full\nrun 1a2b3c4d | 1a2b3c4d${id.slice(8)} | config/samples/trades.csv | .`);
  });
});
