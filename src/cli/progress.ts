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
