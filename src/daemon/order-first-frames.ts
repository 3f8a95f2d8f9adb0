import type { FeedBar } from "../broker/port.ts";

export interface OrderFirstDeps {
  /** One bar into the engine. */
  ingest(b: FeedBar): void;
  /** Requests to the broker under way (an order decided on a bar raises it). */
  requestsOut(): number;
  /** Called before each waiting bar: true when the daemon takes the rest itself (stopped, or holding bars). */
  takeOver(rest: readonly FeedBar[]): boolean;
}

/**
 * Live bars into the engine so that an order's POST leaves before the rest of its frame is
 * processed. The SDK hands a frame's bars over in one synchronous loop, and a POST leaves only
 * after some promise turns inside the SDK: an entry decided on the first bar of a 100-bar frame
 * would otherwise wait for the other 99. Once a bar has sent a request, later bars wait a few
 * dozen microtask turns — enough for the SDK to reach its fetch, and not a whole event-loop turn,
 * which would also let socket reads (answers, trade updates) in ahead of the frame's bars.
 */
export class OrderFirstFrames {
  private rest: FeedBar[] = [];
  private next = 0;
  private deferred = false;

  constructor(private readonly d: OrderFirstDeps) {}

  /** True while bars wait (the daemon is not idle). */
  get busy(): boolean {
    return this.deferred || this.next < this.rest.length;
  }

  push(b: FeedBar): void {
    if (this.deferred) this.rest.push(b);
    else this.ingest(b);
  }

  /** One bar; true when it sent a request, so the bars after it wait. */
  private ingest(b: FeedBar): boolean {
    const before = this.d.requestsOut();
    this.d.ingest(b);
    if (this.d.requestsOut() <= before) return false;
    this.defer();
    return true;
  }

  private defer(): void {
    if (this.deferred) return;
    this.deferred = true;
    let hops = 64;
    const hop = (): void => {
      if (--hops > 0) queueMicrotask(hop);
      else this.drain();
    };
    queueMicrotask(hop);
  }

  private drain(): void {
    this.deferred = false;
    while (this.next < this.rest.length) {
      if (this.d.takeOver(this.rest.slice(this.next))) break;
      if (this.ingest(this.rest[this.next++])) return;
    }
    this.rest = [];
    this.next = 0;
  }
}
