import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Atomic, durable, private file writes shared by the state store and the journal.
 *
 * Why not lowdb's JSONFile: it delegates to steno, which does write a temp file and rename it,
 * but (a) never fsyncs, so after a power loss the renamed file may be empty, (b) creates the
 * file with the default 0666 & ~umask mode (account keys' neighbours must be 0600), and (c) uses
 * one fixed temp name `.state.json.tmp`, so two processes would trample each other's temp file.
 * Here: write `<file>.tmp-<pid>-<n>` with mode 0600, fsync it, rename over the target, then
 * fsync the directory so the rename itself survives a crash.
 */

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

let counter = 0;

/** `<file>.tmp-<pid>-<n>`: unique per process and call, recognisable as ours by `isTempOf`. */
function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${++counter}`;
}

export function isTempOf(file: string, candidate: string): boolean {
  return candidate.startsWith(`${basename(file)}.tmp-`);
}

function fsyncDirSync(dir: string): void {
  // Directory fsync is what makes a rename durable on ext4/xfs; some platforms refuse to open a
  // directory for it, which only weakens durability, so that failure is ignored.
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    /* best effort, see above */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The same, off the event loop: a daemon's state write must not stall the next bar behind a disk flush. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort, see fsyncDirSync */
  }
}

export function writeFileAtomicSync(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  const tmp = tempName(file);
  const bytes = Buffer.from(text, "utf8");
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w", FILE_MODE);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDirSync(dirname(file));
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  const tmp = tempName(file);
  try {
    const fh = await open(tmp, "w", FILE_MODE);
    try {
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dirname(file));
}

/**
 * Deletes temp files a crash left beside `file`. They are never needed: the rename is the
 * commit point, so a temp file is either already renamed or an unfinished, unwanted write.
 */
export function removeStrayTemps(file: string): string[] {
  const dir = dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed = names.filter((n) => isTempOf(file, n)).map((n) => join(dir, n));
  for (const p of removed) rmSync(p, { force: true });
  return removed;
}

/** A file-name-safe UTC timestamp, e.g. 2026-01-02T03-04-05.678Z. */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/:/g, "-");
}
