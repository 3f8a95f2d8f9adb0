// `npm run docs:figures`: reruns the commands whose output README.md shows and rewrites each block
// between `<!-- figures:NAME -->` and `<!-- /figures:NAME -->`, so the README's figures cannot
// drift from what the commands print. `--check` rewrites nothing and exits 1 when a block differs
// (with a diff of the first differing lines); `--all` also runs the figures marked slow (minutes
// on the real bars); NAMEs on the command line pick figures. Not run in CI: too slow.
//
// Every command runs through bin/sizewise.js as a user would type it, with a fresh home (no
// config/local.json, .env or Alpaca keys from this machine) in a scratch folder, so the figures are
// those of a fresh clone. Two things differ from run to run and are made stable: absolute paths of
// the scratch folder and the project read as typed (relative), and a run's random id reads as
// 1a2b3c4d (the id the README's prose uses).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "sizewise.js");
const README = join(ROOT, "README.md");
const REAL_BARS = "../shared/data/bars/1min/2024q2";

/** One command of a figure: its words after `sizewise`, and whether the block shows it. */
interface Step {
  readonly args: readonly string[];
  /** Shown as `$ npx sizewise ...` followed by its output; false: run only (a setup step). */
  readonly show: boolean;
  /** Keep only part of the output (a line of a long table). */
  readonly pick?: (out: string) => string;
}

/** A figure: the commands behind one README block, and how the block is fenced. */
export interface Figure {
  readonly name: string;
  /** Runs in the project folder (paths in the README are relative to it) or in the scratch folder (state it writes). */
  readonly cwd: "project" | "scratch";
  /** Setup steps (SETUPS) run once in a scratch folder that every figure naming them shares. */
  readonly setup?: keyof typeof SETUPS;
  readonly steps: readonly Step[];
  /** The `$ npx sizewise` line before each shown command's output. */
  readonly prompts: boolean;
  /** Fence language (```text, or none). */
  readonly lang: string;
  /** Minutes rather than seconds: run only with --all. */
  readonly slow?: boolean;
  /** Needs these paths (relative to the project), else it is skipped with a message. */
  readonly needs?: readonly string[];
}

const SETUPS = {
  /** The richer run of the README's first session (step 6): the source of the status and journal blocks. */
  "rich-run": [
    { args: ["config", "set", "sizing.mode", "full", "--config", "rich.json"], show: false },
    { args: ["config", "set", "strategy.minDayChangePct", "-10", "--config", "rich.json"], show: false },
    { args: ["start", "--config", "rich.json", "--state", "state-full", "--gen-symbols", "20", "--gen-days", "30"], show: false },
  ],
} satisfies Record<string, readonly Step[]>;

export const FIGURES: readonly Figure[] = [
  {
    name: "status",
    cwd: "scratch",
    setup: "rich-run",
    steps: [{ args: ["status", "--state", "state-full"], show: true }],
    prompts: true,
    lang: "text",
  },
  {
    name: "journal",
    cwd: "scratch",
    setup: "rich-run",
    steps: [{ args: ["journal", "--state", "state-full", "--date", "2024-01-17"], show: true }],
    prompts: false,
    lang: "text",
  },
  {
    name: "config-errors",
    cwd: "scratch",
    steps: [
      { args: ["config", "set", "sizing.mode", "kely"], show: true },
      { args: ["config", "set", "sizing.mod", "kelly"], show: true },
    ],
    prompts: true,
    lang: "text",
  },
  {
    name: "replay",
    cwd: "project",
    steps: [{ args: ["replay", "--trades", "config/samples/trades.csv", "--allocate", "--risk-limit", "10"], show: true, pick: (out) => throughFirstTable(out) }],
    prompts: true,
    lang: "text",
  },
  {
    name: "compare-verdict",
    cwd: "project",
    needs: [REAL_BARS],
    steps: [{ args: ["compare", "--data", REAL_BARS], show: true, pick: (out) => verdictLine(out, "full vs fixed:") }],
    prompts: false,
    lang: "",
  },
];

/** The output through the end of its first table (the rules' table of replay's several). */
function throughFirstTable(out: string): string {
  const lines = out.split("\n");
  const end = lines.findIndex((l) => l.startsWith("└"));
  return end < 0 ? out : `${lines.slice(0, end + 1).join("\n")}\n`;
}

/** The verdict line starting with `head`, cut after its first two criteria ("; ..."). */
function verdictLine(out: string, head: string): string {
  const line = out
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.startsWith(head));
  if (line === undefined) throw new Error(`no line starting "${head}" in the output`);
  const parts = line.split("; ");
  return `${parts.length > 2 ? `${parts.slice(0, 2).join("; ")}; ...` : line}\n`;
}

/** The environment of a fresh clone: a home of its own, no keys, no colour. */
function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("APCA_") && !k.startsWith("SIZEWISE_") && k !== "FORCE_COLOR") env[k] = v;
  return { ...env, SIZEWISE_HOME: home, NO_COLOR: "1" };
}

/** Every run id recorded in a state.json under `dir` (one level down). */
function runIds(dir: string): string[] {
  const ids: string[] = [];
  for (const e of readdirSync(dir)) {
    const file = join(dir, e, "state.json");
    try {
      if (!statSync(file).isFile()) continue;
      const s = JSON.parse(readFileSync(file, "utf8")) as { runs?: { id?: string }[]; run?: { id?: string } };
      for (const r of [...(s.runs ?? []), s.run]) if (typeof r?.id === "string") ids.push(r.id);
    } catch {
      // no state here
    }
  }
  return [...new Set(ids)];
}

/** The path with symbolic links resolved (macOS's /var is /private/var), or itself. */
function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Output as the README shows it: paths as typed, run ids stable. */
export function normalise(text: string, o: { scratch: string; root: string; runIds: readonly string[] }): string {
  let t = text;
  for (const dir of new Set([realOr(o.scratch), o.scratch])) t = t.split(`${dir}/`).join("").split(dir).join(".");
  t = t.split(`${o.root}/`).join("");
  o.runIds.forEach((id, i) => {
    const stable = i === 0 ? "1a2b3c4d" : `${String(i + 1).repeat(8)}`;
    t = t.split(id).join(`${stable}${id.slice(8)}`).split(id.slice(0, 8)).join(stable);
  });
  return t;
}

/** Runs one command of a figure; a setup step must succeed, a shown one may fail on purpose (the config errors). */
function runStep(f: Figure, step: Step, scratch: string): string {
  const r = spawnSync(process.execPath, [BIN, ...step.args], { cwd: f.cwd === "project" ? ROOT : scratch, env: cleanEnv(scratch), encoding: "utf8", maxBuffer: 1 << 26 });
  if (!step.show && r.status !== 0) throw new Error(`${f.name}: sizewise ${step.args.join(" ")} failed (exit ${r.status}):\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** Scratch folders: one per figure, or one per setup shared by the figures that name it. */
export class Scratch {
  private readonly shared = new Map<string, string>();
  private readonly all: string[] = [];
  folder(f: Figure): string {
    const had = f.setup === undefined ? undefined : this.shared.get(f.setup);
    if (had !== undefined) return had;
    const dir = mkdtempSync(join(tmpdir(), `sw-figures-${f.setup ?? f.name}-`));
    this.all.push(dir);
    if (f.setup !== undefined) {
      for (const step of SETUPS[f.setup]) runStep(f, step, dir);
      this.shared.set(f.setup, dir);
    }
    return dir;
  }
  removeAll(): void {
    for (const d of this.all) rmSync(d, { recursive: true, force: true });
  }
}

/** Runs a figure's commands and returns its block (fences included, not indented). */
export function renderFigure(f: Figure, scratches: Scratch): string {
  const scratch = scratches.folder(f);
  const shown = f.steps.map((step) => {
    const out = runStep(f, step, scratch);
    return { args: step.args, out: step.pick ? step.pick(out) : out };
  });
  const ids = runIds(scratch);
  const lines: string[] = [];
  for (const s of shown) {
    if (f.prompts) lines.push(`$ npx sizewise ${s.args.map(quoteArg).join(" ")}`);
    lines.push(normalise(s.out, { scratch, root: ROOT, runIds: ids }).replace(/\n+$/, ""));
  }
  return `\`\`\`${f.lang}\n${lines.join("\n")}\n\`\`\`\n`;
}

const quoteArg = (a: string): string => (/^[\w.,/:=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

/** A marked block in the README: where its body starts and ends, and its indentation. */
interface Block {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly indent: string;
}

/** Every `<!-- figures:NAME -->` ... `<!-- /figures:NAME -->` pair; throws on an unclosed one. */
export function findBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const open = /^([ \t]*)<!-- figures:([\w-]+) -->[ \t]*\n/gm;
  for (let m = open.exec(text); m !== null; m = open.exec(text)) {
    const close = new RegExp(`^[ \\t]*<!-- /figures:${m[2]} -->`, "m");
    const rest = text.slice(m.index + m[0].length);
    const c = close.exec(rest);
    if (c === null) throw new Error(`README.md: <!-- figures:${m[2]} --> has no <!-- /figures:${m[2]} -->`);
    blocks.push({ name: m[2], start: m.index + m[0].length, end: m.index + m[0].length + c.index, indent: m[1] });
  }
  return blocks;
}

/** The README with each named block's body replaced (indented like its markers). */
export function replaceBlocks(text: string, bodies: ReadonlyMap<string, string>): string {
  let out = "";
  let at = 0;
  for (const b of findBlocks(text)) {
    const body = bodies.get(b.name);
    if (body === undefined) continue;
    const indented = body.split("\n").map((l) => (l === "" ? l : `${b.indent}${l}`)).join("\n");
    out += text.slice(at, b.start) + indented;
    at = b.end;
  }
  return out + text.slice(at);
}

/** The first lines where two texts differ, for --check. */
function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `  line ${i + 1} of the block:\n  - README:   ${x[i] ?? "(nothing)"}\n  + command:  ${y[i] ?? "(nothing)"}`;
  }
  return "";
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const all = argv.includes("--all");
  const names = argv.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !FIGURES.some((f) => f.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown figure ${unknown.join(", ")}; figures: ${FIGURES.map((f) => f.name).join(", ")}\n`);
    return 2;
  }
  const text = readFileSync(README, "utf8");
  const blocks = new Map(findBlocks(text).map((b) => [b.name, b]));
  const bodies = new Map<string, string>();
  let differ = 0;
  let failed = 0;
  const scratches = new Scratch();
  try {
    for (const f of FIGURES) {
      if (names.length > 0 && !names.includes(f.name)) continue;
      const block = blocks.get(f.name);
      if (block === undefined) {
        process.stderr.write(`${f.name}: README.md has no <!-- figures:${f.name} --> block; skipped\n`);
        continue;
      }
      if (f.slow && !all && !names.includes(f.name)) {
        process.stdout.write(`${f.name}: slow (minutes), skipped; --all or \`npm run docs:figures -- ${f.name}\` runs it\n`);
        continue;
      }
      const missing = (f.needs ?? []).filter((p) => {
        try {
          statSync(join(ROOT, p));
          return false;
        } catch {
          return true;
        }
      });
      if (missing.length > 0) {
        process.stdout.write(`${f.name}: skipped, ${missing.join(", ")} is absent\n`);
        continue;
      }
      const t0 = Date.now();
      let body: string;
      try {
        body = renderFigure(f, scratches);
      } catch (e) {
        // One broken figure must not cost the others their rewrite.
        failed++;
        process.stderr.write(`${f.name}: FAILED: ${(e as Error).message}\n`);
        continue;
      }
      const now = text.slice(block.start, block.end).split("\n").map((l) => (l.startsWith(block.indent) ? l.slice(block.indent.length) : l)).join("\n");
      const same = now === body;
      if (!same) differ++;
      process.stdout.write(`${f.name}: ${same ? "as in the README" : check ? "DIFFERS from the README" : "rewritten"} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      if (!same && check) process.stdout.write(`${firstDifference(now, body)}\n`);
      bodies.set(f.name, body);
    }
  } finally {
    scratches.removeAll();
  }
  if (check) return differ > 0 || failed > 0 ? 1 : 0;
  if (differ > 0) writeFileSync(README, replaceBlocks(text, bodies));
  process.stdout.write(differ > 0 ? `README.md: ${differ} block${differ === 1 ? "" : "s"} rewritten\n` : "README.md: every figure run is as printed\n");
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
