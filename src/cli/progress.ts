import cliProgress from "cli-progress";

/** A progress bar on a terminal; nothing when piped, in CI, or when JSON goes to stdout. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => {}, stop: () => {} };

export function progressBar(label: string, total: number, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY || process.env.CI || !(total > 0)) return NONE;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta}s`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(Math.min(done, total)),
    stop: () => bar.stop(),
  };
}

/** A progress bar whose total is known only at the first update (e.g. once folds are laid out). */
export function lazyProgressBar(label: string, enabled: boolean): { update(done: number, total: number): void; stop(): void } {
  let bar: Progress | null = null;
  return {
    update: (done, total) => {
      bar ??= progressBar(label, total, enabled);
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}

/**
 * A bar for work whose size is a share (0-1) rather than a count, with a line of detail after it
 * (a download: the pages of a symbol are known only at its last one).
 */
export function shareProgressBar(label: string, enabled: boolean): { update(share: number, detail: string): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY || process.env.CI) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {detail}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(SHARE_STEPS, 0, { detail: "" });
  return {
    update: (share, detail) => bar.update(Math.round(Math.min(1, Math.max(0, share)) * SHARE_STEPS), { detail }),
    stop: () => bar.stop(),
  };
}

/** Steps of a share bar: fine enough that a page of a long download moves it. */
const SHARE_STEPS = 1000;
