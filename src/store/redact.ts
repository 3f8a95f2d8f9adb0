/**
 * Strips configured secrets from anything about to be journaled. Matching is by value, not by
 * key name, because a key can leak through any field (an error message, a copied header, a URL).
 * A string that equals a secret or merely contains one is replaced whole: keeping the rest of
 * a string like "Bearer <key>" would still tell a reader where the secret was.
 */

export const REDACTED = "[REDACTED]";

/**
 * Values shorter than this are not matched by value: a key id like "local" would otherwise wipe
 * every "--local" out of the logs. Secret keys this short are refused where keys are read
 * (src/cli/keys.ts), so only short key ids, which are identifiers rather than secrets, go unmatched.
 */
export const MIN_SECRET_LENGTH = 8;

/** The secrets worth matching by value: set, and long enough to tell apart from ordinary words. */
export function matchableSecrets(secrets: readonly (string | undefined)[]): string[] {
  return [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.trim().length >= MIN_SECRET_LENGTH))];
}

export class Redactor {
  private readonly secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    this.secrets = matchableSecrets(secrets);
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  private leaks(s: string): boolean {
    return this.secrets.some((secret) => s.includes(secret));
  }

  /** A JSON-safe deep copy with every secret-bearing string (value or key) replaced. */
  redact(value: unknown): { value: unknown; redactions: number } {
    let redactions = 0;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") {
        if (this.leaks(v)) {
          redactions++;
          return REDACTED;
        }
        return v;
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
          let key = k;
          if (this.leaks(k)) {
            redactions++;
            key = `${REDACTED}#${redactions}`;
          }
          out[key] = walk(inner);
        }
        return out;
      }
      return v;
    };
    // Normalize through JSON first (toJSON, Dates, undefined) so the walk sees what gets written.
    const json = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
    const result = this.active ? walk(json) : json;
    return { value: result, redactions };
  }
}
