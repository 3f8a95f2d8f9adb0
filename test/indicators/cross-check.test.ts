import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { ATR as LibAtr, SMA as LibSma } from "trading-signals";
import { describe, expect, it } from "vitest";
import type { BarView } from "../../src/core/bars.ts";
import { NyTime } from "../../src/core/ny-time.ts";
import { Adx } from "../../src/indicators/adx.ts";
import { Atr } from "../../src/indicators/atr.ts";
import { Sma } from "../../src/indicators/sma.ts";
import { VolumeAverage } from "../../src/indicators/volume-average.ts";

/**
 * Our indicators against the `trading-signals` library (ATR with Wilder smoothing, SMA; its plain
 * number versions) and, for ADX, against a textbook array implementation, on every bar of real
 * Alpaca 1-minute data. Agreement is RELATIVE: |ours - theirs| <= 1e-9 x max(|theirs|, 1e-9).
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dataDir = join(resolve(repoRoot, "../shared/data"), "bars/1min/2024q2");
const SYMBOLS = ["AMC", "GME", "SAVA", "SNDL", "HOOD", "WKHS"];
const REL = 1e-9;

function loadBars(symbol: string): BarView[] {
  const text = gunzipSync(readFileSync(join(dataDir, `${symbol}.csv.gz`))).toString("utf8");
  const ny = new NyTime();
  const out: BarView[] = [];
  for (const line of text.split("\n").slice(1)) {
    if (line === "") continue;
    const f = line.split(",");
    const tMs = Date.parse(f[0]);
    out.push({
      symId: 0,
      tMs,
      open: Number(f[1]),
      high: Number(f[2]),
      low: Number(f[3]),
      close: Number(f[4]),
      volume: Number(f[5]),
      etDay: ny.etDay(tMs),
      etMinute: ny.etMinute(tMs),
    });
  }
  return out;
}

function expectClose(ours: number | null, theirs: number | null, what: string): void {
  if (theirs === null || ours === null) {
    expect(ours, what).toBe(theirs);
    return;
  }
  const err = Math.abs(ours - theirs);
  if (!(err <= REL * Math.max(Math.abs(theirs), 1e-9))) expect.fail(`${what}: ours ${ours} vs ${theirs} (rel err ${err / Math.abs(theirs)})`);
}

/** ADX the long way: arrays of TR and DM, Wilder's running sums, explicit DI+ and DI-. */
function referenceAdx(bars: readonly BarView[], n: number): (number | null)[] {
  const out: (number | null)[] = [null];
  let sTr = 0;
  let sP = 0;
  let sM = 0;
  const dxs: number[] = [];
  let adx = Number.NaN;
  for (let i = 1; i < bars.length; i++) {
    const b = bars[i];
    const p = bars[i - 1];
    const tr = Math.max(b.high - b.low, Math.abs(b.high - p.close), Math.abs(b.low - p.close));
    const up = b.high - p.high;
    const down = p.low - b.low;
    const pdm = up > down && up > 0 ? up : 0;
    const mdm = down > up && down > 0 ? down : 0;
    if (i <= n) {
      sTr += tr;
      sP += pdm;
      sM += mdm;
    } else {
      sTr = sTr - sTr / n + tr;
      sP = sP - sP / n + pdm;
      sM = sM - sM / n + mdm;
    }
    if (i < n) {
      out.push(null);
      continue;
    }
    const diP = sTr > 0 ? (100 * sP) / sTr : 0;
    const diM = sTr > 0 ? (100 * sM) / sTr : 0;
    const dx = diP + diM > 0 ? (100 * Math.abs(diP - diM)) / (diP + diM) : 0;
    dxs.push(dx);
    if (dxs.length < n) out.push(null);
    else {
      adx = dxs.length === n ? dxs.reduce((a, x) => a + x, 0) / n : (adx * (n - 1) + dx) / n;
      out.push(adx);
    }
  }
  return out;
}

const present = existsSync(dataDir) && readdirSync(dataDir).some((f) => f.endsWith(".csv.gz"));
if (!present) console.warn(`cross-check skipped: real bars not found at ${dataDir} (../shared/data is absent)`);

describe.skipIf(!present)("indicators vs trading-signals on real 1-minute bars (relative tolerance 1e-9)", () => {
  it.each(SYMBOLS)("%s: ATR(14), volume SMA(20), close SMA(20) and ADX(14) agree on every bar", (symbol) => {
    const bars = loadBars(symbol);
    expect(bars.length).toBeGreaterThan(10_000);
    const atr = new Atr(14);
    const libAtr = new LibAtr(14);
    const vol = new VolumeAverage(20);
    const libVol = new LibSma(20);
    const sma = new Sma(20);
    const libSma = new LibSma(20);
    const adx = new Adx(14);
    const refAdx = referenceAdx(bars, 14);
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i];
      expectClose(atr.update(b), libAtr.add({ high: b.high, low: b.low, close: b.close }), `${symbol} ATR bar ${i}`);
      expectClose(vol.update(b), libVol.add(b.volume), `${symbol} volume SMA bar ${i}`);
      expectClose(sma.update(b), libSma.add(b.close), `${symbol} close SMA bar ${i}`);
      expectClose(adx.update(b), refAdx[i], `${symbol} ADX bar ${i}`);
    }
  });
});
