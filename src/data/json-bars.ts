import { z } from "zod";
import type { BarSeries, RejectLog } from "../core/bars.ts";
import { BarFormatError } from "./bar-format-error.ts";
import { parseIsoUtcMsString } from "./parse-bytes.ts";
import { SeriesBuilder } from "./series-builder.ts";
import type { PlausibilityLimits } from "./plausibility.ts";
import { gunzipIfNeeded, symbolFromFileName } from "./source-file.ts";

// Bars stay `unknown` in the envelope: one bad bar is a rejected row, not a rejected file.
const barList = z.array(z.unknown()).nullable();
const multiPage = z.object({
  bars: z.record(z.string().min(1), barList),
  next_page_token: z.string().nullable().optional(),
});
const singlePage = z.object({
  symbol: z.string().min(1).optional(),
  bars: barList,
  next_page_token: z.string().nullable().optional(),
});
type SinglePage = z.infer<typeof singlePage>;
type MultiPage = z.infer<typeof multiPage>;
type Page = SinglePage | MultiPage;

function issueText(err: z.ZodError, prefix: string): string {
  const issue = err.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter((s) => s !== "").join(".");
  return `${path || "(top level)"}: ${issue.message}`;
}

/** Picks the page shape by what `bars` holds, so a failure names the real problem rather than "no union member matched". */
function parsePage(doc: unknown, file: string, prefix: string): Page {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new BarFormatError(file, `not an Alpaca bars response: ${prefix || "(top level)"} should be an object with "bars"`);
  }
  const bars = (doc as Record<string, unknown>).bars;
  const schema = Array.isArray(bars) || bars === null ? singlePage : multiPage;
  const r = schema.safeParse(doc);
  if (!r.success) throw new BarFormatError(file, `not an Alpaca bars response: ${issueText(r.error, prefix)}`);
  return r.data;
}

const FIELDS = ["o", "h", "l", "c", "v"] as const;
const FIELD_NAME: Record<(typeof FIELDS)[number], string> = { o: "open", h: "high", l: "low", c: "close", v: "volume" };

/** Why a bar object cannot even be turned into numbers, or null. */
function shapeProblem(bar: unknown): string | null {
  if (typeof bar !== "object" || bar === null || Array.isArray(bar)) return "bar is not an object";
  const rec = bar as Record<string, unknown>;
  if (rec.t === undefined || rec.t === null) return "missing field t";
  if (typeof rec.t !== "string") return "bad timestamp";
  for (const k of FIELDS) {
    const x = rec[k];
    if (x === undefined || x === null) return `missing field ${k}`;
    if (typeof x !== "number") return `non-numeric ${FIELD_NAME[k]}`;
  }
  return null;
}

/**
 * Parses Alpaca bars JSON (gzip or plain): the multi-symbol page `{ bars: { SYM: [...] } }`, the
 * single-symbol page `{ symbol, bars: [...] }`, or an array of pages (a paginated download, whose
 * pages continue one another). Bars are validated like CSV rows; a rejected bar is logged against
 * `file [SYM]` (plus the page number when there are several) and its 1-based index in its array.
 * A malformed document or envelope throws one {@link BarFormatError}. With `limits`, well-formed
 * bars must also be plausible (plausibility.ts), checked per symbol across pages.
 */
export function parseBarsJson(
  buf: Uint8Array,
  file: string,
  rejects: RejectLog,
  fallbackSymbol = symbolFromFileName(file),
  limits: PlausibilityLimits | null = null,
): Map<string, BarSeries> {
  let data: Uint8Array;
  try {
    data = gunzipIfNeeded(buf);
  } catch (e) {
    throw new BarFormatError(file, `gzip data is corrupt or cut short (${(e as Error).message})`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8"));
  } catch (e) {
    throw new BarFormatError(file, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const pages: Page[] = Array.isArray(doc) ? doc.map((d, i) => parsePage(d, file, `[${i}]`)) : [parsePage(doc, file, "")];

  const builders = new Map<string, SeriesBuilder>();
  const builderFor = (symbol: string, label: string): SeriesBuilder => {
    let b = builders.get(symbol);
    if (!b) {
      b = new SeriesBuilder(symbol, label, rejects, 1024, limits);
      builders.set(symbol, b);
    }
    b.file = label;
    return b;
  };
  pages.forEach((pg, pageIndex) => {
    const where = pages.length > 1 ? `page ${pageIndex + 1}, ` : "";
    const lists: [string, unknown[] | null][] =
      Array.isArray(pg.bars) || pg.bars === null
        ? [[(pg as SinglePage).symbol ?? fallbackSymbol, pg.bars]]
        : Object.entries(pg.bars);
    for (const [symbol, bars] of lists) {
      const label = `${file} [${where}${symbol}]`;
      const builder = builderFor(symbol, label);
      if (!bars) continue;
      for (let i = 0; i < bars.length; i++) {
        const bar = bars[i];
        const problem = shapeProblem(bar);
        if (problem !== null) {
          rejects.add(label, i + 1, problem);
          continue;
        }
        const r = bar as Record<"t", string> & Record<(typeof FIELDS)[number], number>;
        builder.add(i + 1, parseIsoUtcMsString(r.t), r.o, r.h, r.l, r.c, r.v);
      }
    }
  });
  const out = new Map<string, BarSeries>();
  for (const [symbol, b] of builders) out.set(symbol, b.build());
  return out;
}
