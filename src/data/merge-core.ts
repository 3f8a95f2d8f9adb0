import type { BarBatch, BarSource } from "../core/bars.ts";
import { allocBatch } from "../core/bars.ts";

/** The symId column is a Uint16Array. */
export const MAX_MERGE_SYMBOLS = 65536;
/** Up to this many lanes the linear scan is used throughout; above, the merge picks per batch. */
export const LINEAR_MAX_LANES = 48;
/** Roughly what one heap step per bar costs in head comparisons, per level (branchy, indirect). */
const HEAP_COST_PER_LEVEL = 8;

/** One input of the merge: the window [pos, end) of a series' columns currently in memory. */
export class MergeLane {
  pos = 0;
  constructor(
    public t: Float64Array,
    public o: Float64Array,
    public h: Float64Array,
    public l: Float64Array,
    public c: Float64Array,
    public v: Float64Array,
    public end: number,
  ) {}
}

/**
 * Loads the next window of lane `i` (setting its arrays, pos and end); false when the lane is
 * exhausted. In-memory lanes have no refill: their one window is the whole series.
 */
export type RefillLane = (i: number) => boolean;

/**
 * K-way merge of time-ascending lanes into one reused {@link BarBatch}, ordered by time with ties
 * broken by lane index. Two strategies give the same order:
 *  - linear: scan every head for the earliest time, then copy every lane at that time in index
 *    order. Bars of many symbols share each minute, so the scan is paid per timestamp, not per bar.
 *  - heap: a binary heap picks the next lane per bar; a lane whose bars sort before the runner-up
 *    is copied in one run. This wins when few lanes share a time.
 * With many lanes the merge measures the last batch and picks the cheaper one for the next.
 * `headT[i]` is lane i's next time (Infinity when done) and `live` the lanes not done, in both.
 */
export class KWayMerge implements BarSource {
  readonly symbols: readonly string[];
  readonly totalBars: number | null;
  private readonly lanes: MergeLane[];
  /** The heap (heap strategy) or the lanes at the current time (linear strategy). */
  private readonly heap: Int32Array;
  private readonly headT: Float64Array;
  private live = 0;
  private heapMode = false;
  private readonly log2Lanes: number;
  private readonly batch: BarBatch;
  private closed = false;

  constructor(
    symbols: readonly string[],
    lanes: MergeLane[],
    private readonly refill: RefillLane | null,
    totalBars: number | null,
    batchSize: number,
    private readonly onClose: (() => void) | null = null,
  ) {
    if (lanes.length !== symbols.length) throw new Error("merge: one lane per symbol");
    if (lanes.length > MAX_MERGE_SYMBOLS) throw new Error(`merge: at most ${MAX_MERGE_SYMBOLS} symbols (got ${lanes.length})`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`merge: batchSize must be a positive integer (got ${batchSize})`);
    this.symbols = symbols;
    this.totalBars = totalBars;
    this.lanes = lanes;
    this.heap = new Int32Array(lanes.length);
    this.headT = new Float64Array(lanes.length).fill(Infinity);
    this.log2Lanes = Math.max(1, Math.log2(lanes.length));
    this.batch = allocBatch(batchSize);
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i];
      if (lane.pos >= lane.end && !(refill !== null && refill(i))) continue;
      this.headT[i] = lane.t[lane.pos];
      this.live++;
    }
  }

  nextBatch(): BarBatch | null {
    if (this.closed) return null;
    let n: number;
    if (this.heapMode) {
      const distinct = this.fillHeap();
      n = this.batch.length;
      // Back to scanning when the bars came in few enough distinct times.
      if (distinct * this.lanes.length * 2 < n * HEAP_COST_PER_LEVEL * this.log2Lanes) this.heapMode = false;
    } else {
      const scans = this.fillLinear();
      n = this.batch.length;
      if (this.lanes.length > LINEAR_MAX_LANES && scans * this.lanes.length > n * HEAP_COST_PER_LEVEL * this.log2Lanes) {
        this.heapMode = true;
        this.buildHeap();
      }
    }
    if (n === 0) {
      this.close();
      return null;
    }
    return this.batch;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live = 0;
    this.onClose?.();
  }

  /** Moves lane i past the bar just copied; false when the lane is exhausted. */
  private advance(i: number, lane: MergeLane): boolean {
    if (lane.pos < lane.end || (this.refill !== null && this.refill(i))) {
      this.headT[i] = lane.t[lane.pos];
      return true;
    }
    this.headT[i] = Infinity;
    return false;
  }

  /** Fills the batch by scanning heads; returns the number of scans made. */
  private fillLinear(): number {
    const b = this.batch;
    const cap = b.tMs.length;
    const headT = this.headT;
    const lanes = this.lanes;
    const k = lanes.length;
    const sel = this.heap;
    let n = 0;
    let scans = 0;
    while (n < cap && this.live > 0) {
      scans++;
      let minT = Infinity;
      let cnt = 0;
      for (let i = 0; i < k; i++) {
        const t = headT[i];
        if (t < minT) {
          minT = t;
          sel[0] = i;
          cnt = 1;
        } else if (t === minT) {
          sel[cnt++] = i;
        }
      }
      // Lanes left over when the batch fills keep their heads and lead the next batch.
      for (let j = 0; j < cnt && n < cap; j++) {
        const i = sel[j];
        const lane = lanes[i];
        const p = lane.pos;
        put(b, n++, i, minT, lane, p);
        lane.pos = p + 1;
        if (!this.advance(i, lane)) this.live--;
      }
    }
    b.length = n;
    return scans;
  }

  private less(a: number, b: number): boolean {
    const ta = this.headT[a];
    const tb = this.headT[b];
    return ta < tb || (ta === tb && a < b);
  }

  private siftDown(k: number): void {
    const heap = this.heap;
    const size = this.live;
    const x = heap[k];
    for (;;) {
      let child = 2 * k + 1;
      if (child >= size) break;
      if (child + 1 < size && this.less(heap[child + 1], heap[child])) child++;
      if (!this.less(heap[child], x)) break;
      heap[k] = heap[child];
      k = child;
    }
    heap[k] = x;
  }

  private buildHeap(): void {
    let size = 0;
    for (let i = 0; i < this.lanes.length; i++) if (this.headT[i] !== Infinity) this.heap[size++] = i;
    for (let k = (size >> 1) - 1; k >= 0; k--) this.siftDown(k);
  }

  /** Fills the batch from the heap; returns the number of distinct times emitted. */
  private fillHeap(): number {
    const b = this.batch;
    const cap = b.tMs.length;
    const heap = this.heap;
    const headT = this.headT;
    let n = 0;
    let distinct = 0;
    let lastT = NaN;
    while (n < cap && this.live > 0) {
      const i = heap[0];
      const lane = this.lanes[i];
      let runnerT = Infinity;
      let runnerI = MAX_MERGE_SYMBOLS;
      if (this.live > 1) {
        let j = heap[1];
        if (this.live > 2 && this.less(heap[2], j)) j = heap[2];
        runnerT = headT[j];
        runnerI = j;
      }
      const tieFirst = i < runnerI;
      const t = lane.t;
      const end = lane.end;
      let p = lane.pos;
      while (n < cap && p < end) {
        const tt = t[p];
        if (tt > runnerT || (tt === runnerT && !tieFirst)) break;
        if (tt !== lastT) {
          distinct++;
          lastT = tt;
        }
        put(b, n++, i, tt, lane, p++);
      }
      lane.pos = p;
      if (this.advance(i, lane)) {
        this.siftDown(0);
      } else {
        heap[0] = heap[--this.live];
        if (this.live > 0) this.siftDown(0);
      }
    }
    b.length = n;
    return distinct;
  }
}

/** Writes bar `p` of lane `i` into slot `n` of the batch (small enough for V8 to inline in both merges). */
function put(b: BarBatch, n: number, i: number, t: number, lane: MergeLane, p: number): void {
  b.symId[n] = i;
  b.tMs[n] = t;
  b.open[n] = lane.o[p];
  b.high[n] = lane.h[p];
  b.low[n] = lane.l[p];
  b.close[n] = lane.c[p];
  b.volume[n] = lane.v[p];
}
