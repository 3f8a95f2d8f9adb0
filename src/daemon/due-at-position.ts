/**
 * Inputs from outside a run (a kill-switch turn, a live sizing-mode switch) recorded at the bar
 * position they reached the bot (see barPosition): a restart's replay takes them back in order
 * as it reaches each position, so the rebuilt run hears them where the live one did.
 */
export class DueAtPosition<T extends { readonly at: number }> {
  private readonly items: readonly T[];
  private next = 0;

  constructor(items: readonly T[]) {
    // Stable: items recorded at one position keep the order they were recorded in.
    this.items = [...items].sort((a, b) => a.at - b.at);
  }

  get first(): T | undefined {
    return this.items[0];
  }

  /** Hands back, in order, every item recorded at or before `upTo` not handed back yet. */
  take(upTo: number, each: (item: T) => void): void {
    for (; this.next < this.items.length && this.items[this.next].at <= upTo; this.next++) each(this.items[this.next]);
  }
}
