// Plain JavaScript that any Node since 14 parses: it runs before the CLI (which needs Node 20.10's
// APIs, e.g. node:util styleText) loads, so an old Node gets one clear line instead of a crash later.

/**
 * The refusal for `version` (process.versions.node) against package.json's engines range
 * (">=MAJOR.MINOR[.PATCH]"), or null when it is new enough (or the range is not of that form).
 * @param {string} version
 * @param {string | undefined} range
 * @returns {string | null}
 */
export function nodeRefusal(version, range) {
  const want = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec((range ?? "").trim());
  if (!want) return null;
  const need = [Number(want[1]), Number(want[2] ?? 0), Number(want[3] ?? 0)];
  const have = version.replace(/^v/, "").split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > need[i]) return null;
    if ((have[i] ?? 0) < need[i]) return `sizewise needs Node ${range.trim()} (this is Node ${version.replace(/^v/, "")}): install a newer Node from https://nodejs.org and run it again`;
  }
  return null;
}
