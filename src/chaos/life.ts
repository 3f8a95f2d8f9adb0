import type { ChildProcess } from "node:child_process";
import type { ChildMessage, ExchangeView } from "./protocol.ts";

/** One life of the daemon: its process and a request/answer line to it. */
export class Life {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Who waits for the next message; null tells them the child died first. */
  private waiting: ((m: ChildMessage | null) => void)[] = [];
  private readyMsg: ChildMessage | null = null;
  dead = false;
  /** The end of what the child wrote to stderr (errors only), for the driver's messages. */
  stderrTail = "";

  constructor(readonly proc: ChildProcess) {
    proc.stderr?.on("data", (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)));
    proc.on("message", (m: ChildMessage) => {
      if (m.type === "ready") this.readyMsg = m;
      const w = this.waiting.shift();
      w?.(m);
    });
    this.exited = new Promise((r) =>
      proc.once("exit", (code, signal) => {
        this.dead = true;
        for (const w of this.waiting.splice(0)) w(null);
        r({ code, signal });
      }),
    );
  }

  /** The next message, or null when the child died first or `ms` passed. */
  private next(ms: number): Promise<ChildMessage | null> {
    if (this.dead) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== done);
        resolve(null);
      }, ms);
      const done = (m: ChildMessage | null): void => {
        clearTimeout(t);
        resolve(m);
      };
      this.waiting.push(done);
    });
  }

  async ready(ms: number): Promise<ChildMessage | null> {
    if (this.readyMsg !== null) return this.readyMsg;
    return this.next(ms);
  }

  async status(): Promise<{ bars: number; fills: number; idle: boolean; exchange?: ExchangeView } | null> {
    if (this.dead) return null;
    const answer = this.next(20_000);
    this.proc.send({ type: "status" });
    const m = await answer;
    return m !== null && m.type === "status" ? m : null;
  }

  /** A clean stop; the child's last word ("stopped", with its exchange's view when embedded), or null. */
  async stop(): Promise<ChildMessage | null> {
    const answer = this.next(60_000);
    this.proc.send({ type: "stop" });
    const m = await answer;
    await this.exited;
    return m !== null && m.type === "stopped" ? m : null;
  }

  /** Embedded exchange: replay one minute (or cut the streams); the exchange's view after it, or null when the child died first. */
  async exchangeCall(type: "step" | "drop-streams"): Promise<ExchangeView | null> {
    if (this.dead) return null;
    const answer = this.next(20_000);
    this.proc.send({ type });
    const m = await answer;
    return m !== null && m.type === "stepped" ? m.exchange : null;
  }

  /** The child kills itself inside its next order's send, after the write-ahead line, before the POST. */
  armPostKill(): void {
    if (!this.dead) this.proc.send({ type: "arm-post-kill" });
  }

  kill(): Promise<unknown> {
    this.proc.kill("SIGKILL");
    return this.exited;
  }
}

