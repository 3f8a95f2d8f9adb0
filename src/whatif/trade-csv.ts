/**
 * Closed-trade lists from any tool (a broker export, a backtester, a spreadsheet) as CSV. Liberal
 * in header names ("Date Opened", "open_date", "Entry Time", "P/L", "pnl", "Net P&L", ...), strict
 * in values: a row with a bad date, number or count is rejected with its line and why, counted,
 * and the rest go on.
 */

export interface WhatIfTrade {
  /** 1-based line of the row in the file. */
  readonly line: number;
  readonly openedMs: number;
  readonly closedMs: number;
  readonly symbol: string;
  readonly strategy: string;
  /** Net P/L in USD, or null when the file has R only. */
  readonly pnlUsd: number | null;
  readonly r: number | null;
  readonly marginUsd: number | null;
  readonly contracts: number | null;
}

export interface RejectedRow {
  readonly line: number;
  readonly reason: string;
}

export type Field = "opened" | "openedTime" | "closed" | "closedTime" | "symbol" | "strategy" | "pnl" | "r" | "margin" | "contracts";

export interface ParsedTrades {
  readonly trades: WhatIfTrade[];
  readonly rejected: RejectedRow[];
  /** Which header was read as which field. */
  readonly columns: Partial<Record<Field, string>>;
}

/** Header spellings per field, compared lower-case with everything but letters and digits removed. */
const ALIASES: Readonly<Record<Field, readonly string[]>> = {
  opened: ["dateopened", "opened", "opendate", "openeddate", "dateentered", "entrydate", "entrytime", "entry", "opentime", "datetimeopened", "openedat", "start", "startdate"],
  // A second "... time" column after the date column is the time of day.
  openedTime: ["timeopened", "opentime", "entrytime"],
  closed: ["dateclosed", "closed", "closedate", "closeddate", "exitdate", "exittime", "exit", "closetime", "datetimeclosed", "closedat", "end", "enddate"],
  closedTime: ["timeclosed", "closetime", "exittime"],
  symbol: ["symbol", "ticker", "underlying", "underlyingsymbol", "instrument", "security", "root", "asset"],
  strategy: ["strategy", "strategyname", "setup", "system", "tag", "playbook"],
  pnl: ["pl", "pnl", "profitloss", "profit", "netpl", "netpnl", "realizedpl", "realizedpnl", "plusd", "pnlusd", "netprofit", "gainloss", "profitusd", "netpandl", "pandl"],
  r: ["r", "rmultiple", "rmult", "rmultiples", "multiple", "rr", "resultr"],
  margin: ["margin", "marginreq", "marginrequirement", "marginrequired", "buyingpower", "bpr", "buyingpowerreduction", "capitalrequired", "capital"],
  contracts: ["contracts", "noofcontracts", "numcontracts", "numberofcontracts", "qty", "quantity", "shares", "size", "lots", "units"],
};

const norm = (h: string): string => h.toLowerCase().replace(/&/g, "and").replace(/[^a-z0-9]/g, "");

/** Splits CSV text into records (RFC 4180: quoted fields may hold commas, quotes and newlines), each with its first line number. */
export function csvRecords(text: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endRecord = (): void => {
    fields.push(field);
    if (any || fields.length > 1 || field !== "") out.push({ line: start, fields });
    fields = [];
    field = "";
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      quoted = true;
      any = true;
    } else if (c === ",") {
      fields.push(field);
      field = "";
      any = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else {
      field += c;
      any = true;
    }
  }
  if (field !== "" || fields.length > 0 || any) endRecord();
  return out;
}

/** Which column holds which field; throws naming what is missing and the headers seen. */
export function mapHeader(header: readonly string[]): Map<Field, number> {
  const map = new Map<Field, number>();
  header.forEach((h, i) => {
    const n = norm(h.replace(/^\uFEFF/, ""));
    for (const [field, names] of Object.entries(ALIASES) as [Field, readonly string[]][]) {
      if (!map.has(field) && names.includes(n)) {
        map.set(field, i);
        return;
      }
    }
  });
  const missing: string[] = [];
  if (!map.has("opened")) missing.push("a date opened column (e.g. \"Date Opened\", \"open_date\", \"entry time\")");
  if (!map.has("closed")) missing.push("a date closed column (e.g. \"Date Closed\", \"exit_date\")");
  if (!map.has("pnl") && !map.has("r")) missing.push("a P/L column (e.g. \"P/L\", \"pnl\", \"Net P&L\") or an R column (\"R\", \"r_multiple\")");
  if (missing.length > 0) throw new Error(`the header lacks ${missing.join("; ")} (headers found: ${header.map((h) => JSON.stringify(h)).join(", ")})`);
  return map;
}

/** "$1,234.50", "-12.5", "(300.00)" -> number; anything else -> NaN. */
export function parseMoney(s: string): number {
  let t = s.trim().replace(/[$\s]/g, "").replace(/,(?=\d{3}(\D|$))/g, "");
  let sign = 1;
  if (/^\(.*\)$/.test(t)) {
    sign = -1;
    t = t.slice(1, -1);
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return NaN;
  return sign * Number(t);
}

/**
 * A date or date-time as epoch ms (UTC for a bare date: only the order of trades matters here):
 * 2024-05-13, 2024-05-13 10:31[:00], 2024-05-13T14:31:00Z, 5/13/2024 [10:31]. NaN when not a real date.
 */
export function parseDateTime(date: string, time = ""): number {
  const d = date.trim();
  let y: number, mo: number, day: number, rest: string;
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](.*))?$/.exec(d);
  if (m) {
    [y, mo, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    rest = m[4] ?? "";
  } else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (.*))?$/.exec(d))) {
    [mo, day, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    rest = m[4] ?? "";
  } else return NaN;
  if (mo < 1 || mo > 12 || day < 1 || day > 31) return NaN;
  const base = Date.UTC(y, mo - 1, day);
  if (new Date(base).getUTCDate() !== day) return NaN;
  const clock = (rest || time).trim();
  if (clock === "") return base;
  const z = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(clock);
  if (!z) return NaN;
  const [hh, mm, ss] = [Number(z[1]), Number(z[2]), Number(z[3] ?? 0)];
  if (hh > 23 || mm > 59 || ss > 59) return NaN;
  let off = 0;
  if (z[4] && z[4].toUpperCase() !== "Z") {
    const o = z[4].replace(":", "");
    off = (o[0] === "-" ? -1 : 1) * (Number(o.slice(1, 3)) * 60 + Number(o.slice(3, 5))) * 60_000;
  }
  return base + ((hh * 60 + mm) * 60 + ss) * 1000 - off;
}

export function parseTradeCsv(text: string): ParsedTrades {
  const records = csvRecords(text);
  if (records.length === 0) throw new Error("the file is empty");
  const header = records[0].fields;
  const map = mapHeader(header);
  const columns: Partial<Record<Field, string>> = {};
  for (const [f, i] of map) columns[f] = header[i];
  const trades: WhatIfTrade[] = [];
  const rejected: RejectedRow[] = [];
  for (const rec of records.slice(1)) {
    if (rec.fields.every((f) => f.trim() === "")) continue;
    const r = parseRow(rec.fields, map, header.length);
    if (typeof r === "string") rejected.push({ line: rec.line, reason: r });
    else trades.push({ line: rec.line, ...r });
  }
  return { trades, rejected, columns };
}

function parseRow(f: readonly string[], map: ReadonlyMap<Field, number>, width: number): Omit<WhatIfTrade, "line"> | string {
  if (f.length !== width) return `expected ${width} fields like the header, got ${f.length}`;
  const get = (k: Field): string => (map.has(k) ? f[map.get(k)!].trim() : "");
  const openedMs = parseDateTime(get("opened"), get("openedTime"));
  if (!Number.isFinite(openedMs)) return `date opened ${JSON.stringify(get("opened") + (get("openedTime") ? ` ${get("openedTime")}` : ""))} is not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM, M/D/YYYY, ISO time)`;
  const closedMs = parseDateTime(get("closed"), get("closedTime"));
  if (!Number.isFinite(closedMs)) return `date closed ${JSON.stringify(get("closed"))} is not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM, M/D/YYYY, ISO time)`;
  if (closedMs < openedMs) return `closed (${get("closed")}) before it opened (${get("opened")})`;
  const num = (k: Field, what: string): number | null | string => {
    const s = get(k);
    if (s === "") return null;
    const x = parseMoney(s);
    return Number.isFinite(x) ? x : `${what} ${JSON.stringify(s)} is not a number`;
  };
  const pnl = num("pnl", "P/L");
  if (typeof pnl === "string") return pnl;
  const r = num("r", "R");
  if (typeof r === "string") return r;
  if (map.has("r") && r === null) return "R is empty (the file has an R column: every trade needs its R)";
  if (pnl === null && r === null) return "needs a P/L or an R";
  const margin = num("margin", "margin");
  if (typeof margin === "string") return margin;
  if (margin !== null && margin < 0) return `margin ${margin} is negative`;
  const contracts = num("contracts", "contracts");
  if (typeof contracts === "string") return contracts;
  if (contracts !== null && !(contracts > 0)) return `contracts ${contracts} must be more than 0`;
  return { openedMs, closedMs, symbol: get("symbol") || "-", strategy: get("strategy") || "all", pnlUsd: pnl, r, marginUsd: margin, contracts };
}
