import { createHash } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DIR_MODE, FILE_MODE } from "../io/atomic-file.ts";

export function sha1Hex(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

interface Entry {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  sha1: string;
}

const SHA1_HEX = /^[0-9a-f]{40}$/;

// By hand rather than with a schema library: this is read on every cached load.
function isEntry(x: unknown): x is Entry {
  if (typeof x !== "object" || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.size === "string" && typeof e.mtimeNs === "string" && typeof e.ctimeNs === "string" && typeof e.ino === "string" &&
    typeof e.sha1 === "string" && SHA1_HEX.test(e.sha1)
  );
}

/**
 * Files whose stat changed less than this long before they were hashed are not remembered:
 * file times are coarse (a few ms), so a second write in the same tick could keep the stat and
 * change the bytes. Older files cannot be rewritten without moving their times past the hash.
 */
const RACY_NS = 2_000_000_000n;

/**
 * Remembers the SHA-1 of source files by (size, mtime, ctime, inode), as git's index does, so a
 * cache hit need not read and hash the source again. Any change to a file's stat means a re-hash;
 * the cache key is always the hash of the bytes.
 */
export class SourceHashMemo {
  private readonly files = new Map<string, Entry>();
  private dirty = false;
  private readonly path: string;

  constructor(cacheDir: string) {
    this.path = join(cacheDir, "source-hashes.json");
    try {
      const doc: unknown = JSON.parse(readFileSync(this.path, "utf8"));
      const files = typeof doc === "object" && doc !== null && (doc as { version?: unknown }).version === 1 ? (doc as { files?: unknown }).files : null;
      if (typeof files === "object" && files !== null) for (const [k, v] of Object.entries(files)) if (isEntry(v)) this.files.set(k, v);
    } catch {
      // No memo yet, or an unreadable one: every source gets hashed, which is only slower.
    }
  }

  lookup(absPath: string, st: BigIntStats): string | null {
    const e = this.files.get(absPath);
    if (!e) return null;
    if (e.size !== String(st.size) || e.mtimeNs !== String(st.mtimeNs) || e.ctimeNs !== String(st.ctimeNs) || e.ino !== String(st.ino)) return null;
    return e.sha1;
  }

  remember(absPath: string, st: BigIntStats, sha1: string, hashedAtNs: bigint): void {
    if (hashedAtNs - st.mtimeNs < RACY_NS || hashedAtNs - st.ctimeNs < RACY_NS) {
      if (this.files.delete(absPath)) this.dirty = true;
      return;
    }
    this.files.set(absPath, { size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), ino: String(st.ino), sha1 });
    this.dirty = true;
  }

  /** Best effort: a memo that cannot be written only costs a re-hash next time. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(join(this.path, ".."), { recursive: true, mode: DIR_MODE });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, files: Object.fromEntries(this.files) }), { mode: FILE_MODE });
      renameSync(tmp, this.path);
      this.dirty = false;
    } catch {
      // see above
    }
  }
}
