import type { BarSeries, BarSource } from "../core/bars.ts";
import { etToUtcMs, isoToEtDay } from "../core/ny-time.ts";
import { SeededRng } from "../core/rng.ts";
import { isTradingDay } from "../core/market-calendar.ts";
import { KWayMerge, MergeLane } from "./merge-core.ts";

/**
 * Seeded, realistic US small-cap 1-minute bars, with heavy sell-off days on which bear traps
 * happen, so the Bear Trap strategy has something to find. Every symbol has its own random stream
 * (seeded from the seed and its name) and carries its state from day to day, so a symbol gets the
 * same bars whether it is generated alone or with others, all at once or day by day.
 */
export interface GeneratorOptions {
  readonly seed: number;
  /** Symbol names, or how many to invent. Output is sorted by name. */
  readonly symbols: readonly string[] | number;
  /** Trading days (weekdays; holidays are skipped only with `calendar`). */
  readonly days: number;
  /**
   * Skip the days the NYSE calendar closes (holidays), so the bars pass the loaders' session check.
   * Default false: tests and golden runs were recorded on plain weekdays.
   */
  readonly calendar?: boolean;
  /** First calendar day, YYYY-MM-DD; weekend days are skipped. Default 2024-01-02. */
  readonly startDay?: string;
  /** Add sparse pre-market (04:00-09:29) and post-market (16:00-19:59) bars. Default false. */
  readonly extendedHours?: boolean;
  /** Chance that a symbol has a heavy sell-off (to -20%..-34% from the open) on a day. Default 0.04. */
  readonly selloffProb?: number;
  /** Chance that a sell-off day contains an engineered bear trap. Default 0.25. */
  readonly trapProb?: number;
  /** Chance that a regular-hours minute has no trades (no bar). Default 0.01. */
  readonly missingProb?: number;
}

export interface GeneratedSourceOptions extends GeneratorOptions {
  /** Bars per batch. Default 65,536. */
  readonly batchSize?: number;
}

type SimOptions = Required<Pick<GeneratorOptions, "extendedHours" | "selloffProb" | "trapProb" | "missingProb">>;

const MIN_MS = 60_000;
const RTH = 390;
const PRE = 330; // 04:00-09:29
const POST = 240; // 16:00-19:59

/** Intraday shapes (mean about 1): volatility and volume are high at the open, low at lunch, up into the close. */
const VOL_SHAPE = new Float64Array(RTH);
const VOLUME_SHAPE = new Float64Array(RTH);
for (let m = 0; m < RTH; m++) {
  VOL_SHAPE[m] = 0.72 + 1.6 * Math.exp(-m / 22) + 0.45 * Math.exp(-(RTH - 1 - m) / 25);
  VOLUME_SHAPE[m] = 0.55 + 3.2 * Math.exp(-m / 18) + 1.4 * Math.exp(-(RTH - 1 - m) / 18);
}

/** Columns a day is written into: a series under construction or a per-symbol day buffer. */
interface Cols {
  tMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

function allocCols(n: number): Cols {
  const f = (): Float64Array => new Float64Array(n);
  return { tMs: f(), open: f(), high: f(), low: f(), close: f(), volume: f() };
}

/** The bar being written (t, o, h, l, c, v): a scratch array, so no call passes doubles around. */
const BAR = new Float64Array(6);

/** A cent at or above $1, 1/100 cent below (never 0). */
function tick(p: number): number {
  return p >= 1 ? Math.round(p * 100) / 100 : Math.max(0.0001, Math.round(p * 10_000) / 10_000);
}

/**
 * Writes BAR at `out[i]`: prices on the tick, high and low widened so low <= open, close <= high.
 * The rounding is spelled out rather than calling `tick`, whose double return would be boxed
 * whenever the JIT declines to inline it.
 */
function writeBar(out: Cols, i: number): void {
  const ob = BAR[1];
  const hb = BAR[2];
  const lb = BAR[3];
  const cb = BAR[4];
  const o = ob >= 1 ? Math.round(ob * 100) / 100 : Math.max(0.0001, Math.round(ob * 10_000) / 10_000);
  const c = cb >= 1 ? Math.round(cb * 100) / 100 : Math.max(0.0001, Math.round(cb * 10_000) / 10_000);
  const h = hb >= 1 ? Math.round(hb * 100) / 100 : Math.round(hb * 10_000) / 10_000;
  const l = lb >= 1 ? Math.round(lb * 100) / 100 : Math.round(lb * 10_000) / 10_000;
  out.tMs[i] = BAR[0];
  out.open[i] = o;
  out.high[i] = Math.max(h, o, c);
  out.low[i] = Math.max(0.0001, Math.min(l, o, c));
  out.close[i] = c;
  out.volume[i] = Math.max(1, Math.round(BAR[5]));
}

/** The symbols to generate, sorted: the given names (deduplicated) or `n` invented 4-letter ones. */
export function generatorSymbols(symbols: readonly string[] | number): string[] {
  if (typeof symbols !== "number") {
    if (symbols.length === 0) throw new Error("no symbols to generate");
    return [...new Set(symbols)].sort();
  }
  if (!Number.isInteger(symbols) || symbols < 1 || symbols > 65_535) throw new Error(`symbols must be 1..65535 (got ${symbols})`);
  const names: string[] = [];
  // 7919 is coprime with 26^4, so distinct indexes give distinct names.
  for (let i = 0; i < symbols; i++) {
    let code = (i * 7919 + 123_457) % 456_976;
    let s = "";
    for (let k = 0; k < 4; k++, code = Math.floor(code / 26)) s = String.fromCharCode(65 + (code % 26)) + s;
    names.push(s);
  }
  return names.sort();
}

/**
 * `n` invented names that cannot be real US tickers: three letters and a digit (NYSE and Nasdaq
 * symbols are letters only), so generated bars never trade under a real company's name unless the
 * user names them. Distinct and stable: the i-th name never depends on `n`.
 */
export function syntheticSymbols(n: number): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new Error(`symbols must be 1..65535 (got ${n})`);
  const names: string[] = [];
  // 7919 is coprime with 26^3 x 10, so distinct indexes give distinct names.
  for (let i = 0; i < n; i++) {
    let code = (i * 7919 + 123_457) % 175_760;
    const digit = code % 10;
    code = Math.floor(code / 10);
    let s = "";
    for (let k = 0; k < 3; k++, code = Math.floor(code / 26)) s = String.fromCharCode(65 + (code % 26)) + s;
    names.push(`${s}${digit}`);
  }
  return names.sort();
}

/** The etDays of `days` consecutive weekdays (trading days with `calendar`) from `startDay` on. */
export function tradingDays(startDay: string, days: number, calendar = false): number[] {
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer (got ${days})`);
  const out: number[] = [];
  for (let d = isoToEtDay(startDay); out.length < days; d++) {
    const dow = (d + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    if (dow !== 0 && dow !== 6 && (!calendar || isTradingDay(d))) out.push(d);
  }
  return out;
}

function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
}

/**
 * Random numbers are drawn from a symbol's SeededRng in blocks, by tight loops, and read by index
 * in the per-bar code (a double returned from a call the JIT did not inline is boxed on the heap).
 * The blocks are shared by all symbols but emptied at the start of every `day()`, so a symbol's
 * stream never depends on another's. Normals come from Marsaglia's polar method, both values kept.
 */
const NORMALS = new Float64Array(128);
const UNIFORMS = new Float64Array(256);

/** One symbol's price process. `day()` appends one session; state carries over to the next. */
class SymbolSim {
  private readonly rng: SeededRng;
  private readonly logBase: number;
  private readonly sigmaMin: number;
  private readonly volPerMin: number;
  private price: number;
  private dayVol = 0;
  private vm = 1;
  private gi = NORMALS.length;
  private ui = UNIFORMS.length;

  constructor(
    seed: number,
    private readonly o: SimOptions,
    name: string,
  ) {
    const rng = (this.rng = new SeededRng(streamSeed(seed, name)));
    this.logBase = rng.next() * Math.log(60); // $1-$60, log-uniform
    this.price = Math.exp(this.logBase);
    this.sigmaMin = rng.uniform(0.025, 0.065) / Math.sqrt(RTH);
    // Daily dollar volume $10M-$200M, log-uniform; the volume shape averages ~0.76 a minute.
    this.volPerMin = Math.exp(rng.uniform(Math.log(1e7), Math.log(2e8))) / this.price / 300;
  }

  /** Index of `k` fresh normals in NORMALS. */
  private normals(k: number): number {
    const i = this.gi;
    if (i + k > NORMALS.length) return this.refillNormals(k);
    this.gi = i + k;
    return i;
  }

  /** Index of `k` fresh uniforms in UNIFORMS. */
  private uniforms(k: number): number {
    const i = this.ui;
    if (i + k > UNIFORMS.length) return this.refillUniforms(k);
    this.ui = i + k;
    return i;
  }

  private refillNormals(k: number): number {
    const rng = this.rng;
    for (let j = 0; j < NORMALS.length; ) {
      const x = 2 * rng.next() - 1;
      const y = 2 * rng.next() - 1;
      const r = x * x + y * y;
      if (r >= 1 || r === 0) continue;
      const f = Math.sqrt((-2 * Math.log(r)) / r);
      NORMALS[j++] = x * f;
      NORMALS[j++] = y * f;
    }
    this.gi = k;
    return 0;
  }

  private refillUniforms(k: number): number {
    for (let j = 0; j < UNIFORMS.length; j++) UNIFORMS[j] = this.rng.next();
    this.ui = k;
    return 0;
  }

  /** Appends one trading day at `out[at...]`; returns the number of bars written. */
  day(etDay: number, out: Cols, at: number): number {
    const rng = this.rng;
    this.gi = NORMALS.length;
    this.ui = UNIFORMS.length;
    const t930 = etToUtcMs(etDay, 570);
    // Volatility clusters across days; volume follows it.
    const g = this.normals(3);
    this.dayVol = 0.8 * this.dayVol + 0.15 * NORMALS[g];
    const volMult = Math.min(2, Math.exp(this.dayVol));
    const volumeMult = Math.exp(0.7 * this.dayVol + 0.25 * NORMALS[g + 1]);
    const selloff = rng.chance(this.o.selloffProb);
    const prev = this.price;
    // Overnight: pulled back toward the symbol's home price so sell-offs do not compound to zero.
    const gap = -0.06 * (Math.log(prev) - this.logBase) + 0.02 * NORMALS[g + 2] - (selloff ? rng.uniform(0, 0.06) : 0);
    let n = at;
    if (this.o.extendedHours) n = this.extended(out, n, t930 - PRE * MIN_MS, PRE, prev, gap / PRE, true);
    n = this.regular(out, n, t930, prev * Math.exp(gap), volMult, volumeMult, selloff);
    if (this.o.extendedHours) n = this.extended(out, n, t930 + RTH * MIN_MS, POST, this.price, 0, false);
    return n - at;
  }

  /** Sparse, thin trading around a drifting line (pre-market: from the last close toward today's open). */
  private extended(out: Cols, n: number, t0: number, minutes: number, base: number, drift: number, pre: boolean): number {
    const rng = this.rng;
    let c = base;
    for (let m = 0; m < minutes; m++) {
      // Busiest next to the regular session.
      if (!rng.chance(0.04 + 0.3 * Math.exp(-(pre ? minutes - m : m) / 40))) continue;
      const g = this.normals(2);
      const x = base * Math.exp(drift * m + 0.004 * NORMALS[g]);
      const w = x * 0.002 * rng.next();
      BAR[0] = t0 + m * MIN_MS;
      BAR[1] = c;
      BAR[2] = Math.max(c, x) + w;
      BAR[3] = Math.min(c, x) - w;
      BAR[4] = x;
      BAR[5] = this.volPerMin * 0.04 * Math.exp(NORMALS[g + 1]);
      writeBar(out, n);
      c = out.close[n++];
    }
    return n;
  }

  /**
   * Regular hours. A sell-off day falls from the open to a planned trough in legs (hard down runs,
   * relief bounces), then bounces off the low and drifts. A trap day additionally, once the price
   * is 18% or more below the open and near its low: 1-2 heavy bars break the session low, then a
   * reclaim bar makes a new low and closes back above the broken support with a long lower wick,
   * a solid body and a volume spike; afterwards the price either rallies toward the session high
   * or rolls over to new lows.
   */
  private regular(out: Cols, n: number, t930: number, p: number, volMult: number, volumeMult: number, selloff: boolean): number {
    const rng = this.rng;
    const declineStart = rng.int(0, 90);
    const trough = Math.min(330, declineStart + rng.int(60, 200));
    const reliefEnd = trough + rng.int(20, 60);
    const reliefMu = Math.log(1 + rng.uniform(0.04, 0.14)) / (reliefEnd - trough);
    let logTarget = 0;
    let legEnd = declineStart;
    let legMu = 0;
    let trapPending = selloff && rng.chance(this.o.trapProb);
    let flushLeft = 0;
    let reclaimNext = false;
    let support = 0;
    let outcomeMu = 0;
    let outcomeEnd = -1;

    const open = tick(p);
    let hi = 0;
    let lo = Number.POSITIVE_INFINITY;
    let volAvg = this.volPerMin * volumeMult * VOLUME_SHAPE[0];
    let prevC = open;
    let vm = this.vm;
    const missingProb = this.o.missingProb;
    for (let m = 0; m < RTH; m++) {
      const u = this.uniforms(4);
      // Volatility clusters within the day too: a multiplier wandering around 1 (kept in 0.4..2.5).
      vm = Math.min(2.5, Math.max(0.4, 1 + 0.97 * (vm - 1) + 0.16 * (UNIFORMS[u] - 0.5)));
      let sigma = this.sigmaMin * VOL_SHAPE[m] * volMult * vm;
      const unit = Math.max(p * sigma * 1.4, p >= 1 ? 0.02 : 0.0002); // a typical bar range
      const op = prevC;
      const special = flushLeft > 0 || reclaimNext;
      let c: number, h: number, l: number, v: number;
      if (flushLeft > 0) {
        // Breaks the session low with a heavy down bar that closes near its low.
        flushLeft--;
        c = Math.min(op, lo) - unit * rng.uniform(0.6, 1.4);
        h = op + unit * 0.2 * rng.next();
        l = c - unit * 0.25 * rng.next();
        v = volAvg * rng.uniform(1.6, 3);
        reclaimNext = flushLeft === 0;
      } else if (reclaimNext) {
        reclaimNext = false;
        const body = support - op + unit * rng.uniform(0.3, 1.5);
        c = op + body;
        l = op - Math.max(unit * rng.uniform(0.6, 1.6), 0.35 * body);
        h = c + unit * 0.3 * rng.next();
        v = volAvg * rng.uniform(2.6, 5);
        const win = rng.chance(0.55);
        const dur = win ? rng.int(15, 60) : rng.int(6, 20);
        const target = win ? c + rng.uniform(0.15, 0.6) * (hi - c) : Math.min(l, lo) * (1 - rng.uniform(0.04, 0.1));
        outcomeMu = Math.log(target / c) / dur;
        outcomeEnd = m + dur;
      } else {
        let mu = 0;
        let vShape = VOLUME_SHAPE[m] * volumeMult;
        if (m < outcomeEnd) mu = outcomeMu;
        else if (selloff && m >= trough) {
          mu = m < reliefEnd ? reliefMu : 0;
          vShape *= m < reliefEnd ? 1.6 : 1.2;
        } else if (selloff && m >= declineStart) {
          if (m === declineStart) logTarget = Math.log(open * (1 - rng.uniform(0.2, 0.34)));
          if (m >= legEnd) {
            // Each leg aims at the trough from wherever the price is, so the day lands near plan.
            const need = Math.min(0, logTarget - Math.log(p)) / (trough - m);
            const down = legMu >= 0;
            legMu = down ? need * 2.5 : -need * 1.2;
            legEnd = m + (down ? rng.int(6, 20) : rng.int(5, 15));
          }
          mu = legMu;
          sigma *= 0.9; // the drift does the work: an orderly waterfall
          vShape *= legMu < 0 ? 2.4 : 1.5;
        }
        const g = this.normals(2);
        const z = NORMALS[g];
        const r = mu + sigma * z;
        p *= 1 + r + 0.5 * r * r; // exp(r) to ~r^3/6, which for a minute's move is noise in the noise
        c = p;
        // Wicks: an exponential amount of range beyond the body, split at random between the ends.
        const wick = -0.9 * sigma * Math.log(1 - UNIFORMS[u + 1]);
        const up = UNIFORMS[u + 2];
        h = Math.max(op, c) * (1 + wick * up);
        l = Math.min(op, c) * (1 - wick * (1 - up));
        v = this.volPerMin * vShape * Math.exp(0.35 * NORMALS[g + 1]) * (0.85 + 0.15 * Math.abs(z));
        // A quiet minute with no trades: no bar (never the opening minute).
        if (m > 0 && UNIFORMS[u + 3] < missingProb) continue;
      }
      BAR[0] = t930 + m * MIN_MS;
      BAR[1] = op;
      BAR[2] = h;
      BAR[3] = l;
      BAR[4] = c;
      BAR[5] = v;
      writeBar(out, n);
      prevC = out.close[n];
      if (out.high[n] > hi) hi = out.high[n];
      if (out.low[n] < lo) lo = out.low[n];
      volAvg += (out.volume[n] - volAvg) * 0.05;
      n++;
      if (special) p = prevC;
      else if (trapPending && m >= declineStart + 15 && m < 350 && m >= outcomeEnd && lo <= open * 0.82 && prevC <= lo * 1.015 && rng.chance(0.15)) {
        trapPending = false;
        flushLeft = rng.int(1, 2);
        support = lo;
      }
    }
    this.vm = vm;
    this.price = prevC;
    return n;
  }
}

function prepare(opts: GeneratorOptions): { names: string[]; days: number[]; sims: SymbolSim[]; perDay: number } {
  const names = generatorSymbols(opts.symbols);
  const days = tradingDays(opts.startDay ?? "2024-01-02", opts.days, opts.calendar ?? false);
  const o: SimOptions = {
    extendedHours: opts.extendedHours ?? false,
    selloffProb: opts.selloffProb ?? 0.04,
    trapProb: opts.trapProb ?? 0.25,
    missingProb: opts.missingProb ?? 0.01,
  };
  for (const [k, v] of Object.entries(o)) if (typeof v === "number" && !(v >= 0 && v <= 1)) throw new Error(`${k} must be within 0..1 (got ${v})`);
  const sims = names.map((n) => new SymbolSim(opts.seed, o, n));
  return { names, days, sims, perDay: RTH + (o.extendedHours ? PRE + POST : 0) };
}

/** Whole series per symbol (sorted by name). Memory grows with the data: for big sets use `generatedSource`. */
export function generateSeries(opts: GeneratorOptions): BarSeries[] {
  const { names, days, sims, perDay } = prepare(opts);
  return sims.map((sim, s) => {
    const cols = allocCols(days.length * perDay);
    let n = 0;
    for (const d of days) n += sim.day(d, cols, n);
    const cut = (a: Float64Array): Float64Array => a.slice(0, n);
    return { symbol: names[s], length: n, tMs: cut(cols.tMs), open: cut(cols.open), high: cut(cols.high), low: cut(cols.low), close: cut(cols.close), volume: cut(cols.volume) };
  });
}

/**
 * The same bars as `generateSeries`, merged in time order (ties by symbol id) by the shared k-way
 * merge. Each symbol's lane holds one generated day and generates the next when it runs dry, so
 * memory stays bounded whatever the number of days.
 */
export function generatedSource(opts: GeneratedSourceOptions): BarSource {
  const { names, days, sims, perDay } = prepare(opts);
  const bufs = sims.map(() => allocCols(perDay));
  const lanes = bufs.map((b) => new MergeLane(b.tMs, b.open, b.high, b.low, b.close, b.volume, 0));
  const next = new Int32Array(sims.length); // per lane: index of the next day to generate
  const refill = (i: number): boolean => {
    while (next[i] < days.length) {
      const lane = lanes[i];
      lane.pos = 0;
      lane.end = sims[i].day(days[next[i]++], bufs[i], 0);
      if (lane.end > 0) return true;
    }
    return false;
  };
  return new KWayMerge(names, lanes, refill, null, opts.batchSize ?? 65_536);
}
