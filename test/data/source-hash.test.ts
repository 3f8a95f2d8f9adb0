import type { BigIntStats } from "node:fs";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SourceHashMemo, sha1Hex } from "../../src/data/source-hash.ts";
import { tempDir } from "./helpers.ts";

const SEC = 1_000_000_000n;
const stat = (over: Partial<Record<"size" | "mtimeNs" | "ctimeNs" | "ino", bigint>> = {}): BigIntStats =>
  ({ size: 100n, mtimeNs: 1_000n * SEC, ctimeNs: 1_000n * SEC, ino: 42n, ...over }) as BigIntStats;
const HASH = sha1Hex(new Uint8Array([1, 2, 3]));

describe("SourceHashMemo", () => {
  it("remembers a hash while size, times and inode are unchanged, across instances", () => {
    const dir = tempDir();
    const memo = new SourceHashMemo(dir);
    memo.remember("/d/A.csv", stat(), HASH, 2_000n * SEC);
    expect(memo.lookup("/d/A.csv", stat())).toBe(HASH);
    memo.save();
    const again = new SourceHashMemo(dir);
    expect(again.lookup("/d/A.csv", stat())).toBe(HASH);
    for (const changed of [{ size: 101n }, { mtimeNs: 1_000n * SEC + 1n }, { ctimeNs: 1_001n * SEC }, { ino: 43n }]) {
      expect(again.lookup("/d/A.csv", stat(changed))).toBeNull();
    }
    expect(again.lookup("/d/B.csv", stat())).toBeNull();
  });

  it("does not remember files changed within two seconds of hashing (coarse file times)", () => {
    const memo = new SourceHashMemo(tempDir());
    memo.remember("/d/A.csv", stat(), HASH, 1_001n * SEC);
    expect(memo.lookup("/d/A.csv", stat())).toBeNull();
  });

  it("treats an unreadable memo as empty", () => {
    const dir = tempDir();
    const memo = new SourceHashMemo(dir);
    memo.remember("/d/A.csv", stat(), HASH, 2_000n * SEC);
    memo.save();
    const path = join(dir, "source-hashes.json");
    expect(JSON.parse(readFileSync(path, "utf8")).version).toBe(1);
    writeFileSync(path, "{oops");
    expect(new SourceHashMemo(dir).lookup("/d/A.csv", stat())).toBeNull();
  });
});
