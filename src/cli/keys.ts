import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MIN_SECRET_LENGTH } from "../store/redact.ts";

export interface ApiKeys {
  readonly keyId: string;
  readonly secretKey: string;
  /** Where they came from (never the values). */
  readonly source: "environment" | ".env";
}

/**
 * The Alpaca key pair, from the environment or a `.env` file in the working directory. A `.env`
 * that other users can read is refused: the secret would be theirs too. Returns null when
 * neither has both keys (the daemon then trades the local exchange).
 */
export function readKeys(env: NodeJS.ProcessEnv, cwd: string): ApiKeys | null {
  const fromEnv = pair(env.APCA_API_KEY_ID, env.APCA_API_SECRET_KEY);
  if (fromEnv) return { ...fromEnv, source: "environment" };
  const file = join(cwd, ".env");
  if (!existsSync(file)) return null;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    const who = [mode & 0o070 ? "its group" : null, mode & 0o007 ? "every user of this machine" : null].filter(Boolean).join(" and ");
    throw new Error(
      `${file} is open to ${who} (mode ${mode.toString(8).padStart(3, "0")}) and it holds the API key pair: whoever can read it can trade this account, and whoever can write it can swap in their keys. Keys are only read from a .env only its owner can use: run chmod 600 ${file}`,
    );
  }
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  const fromFile = pair(vars.APCA_API_KEY_ID, vars.APCA_API_SECRET_KEY);
  return fromFile ? { ...fromFile, source: ".env" } : null;
}

function pair(keyId: string | undefined, secretKey: string | undefined): { keyId: string; secretKey: string } | null {
  if (!keyId || !secretKey) return null;
  checkSecretLength(secretKey);
  return { keyId, secretKey };
}

/** Logs, state and journal are scrubbed of the secret by value, which needs a secret that cannot pass for a word. */
export function checkSecretLength(secretKey: string): void {
  if (secretKey.trim().length < MIN_SECRET_LENGTH) {
    throw new Error(
      `APCA_API_SECRET_KEY is shorter than ${MIN_SECRET_LENGTH} characters, too short to be scrubbed from logs reliably (Alpaca's are 40); for the local exchange choose a longer one, e.g. $(openssl rand -hex 16)`,
    );
  }
}
