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
 * The Alpaca key pair, from the environment or a `.env` file in `dir` (the CLI passes its home). A `.env`
 * that other users can read is refused: the secret would be theirs too. Returns null when
 * neither has both keys (the daemon then trades the local exchange).
 */
export function readKeys(env: NodeJS.ProcessEnv, dir: string): ApiKeys | null {
  const fromEnv = pair(env.APCA_API_KEY_ID, env.APCA_API_SECRET_KEY);
  if (fromEnv) return { ...fromEnv, source: "environment" };
  const file = join(dir, ".env");
  if (!existsSync(file)) return null;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    const who = [mode & 0o070 ? "its group" : null, mode & 0o007 ? "every user of this machine" : null].filter(Boolean).join(" and ");
    throw new Error(
      `${file} is open to ${who} (mode ${mode.toString(8).padStart(3, "0")}) and it holds the API key pair: whoever can read it can trade this account, and whoever can write it can swap in their keys. Keys are only read from a .env only its owner can use: run chmod 600 ${file}`,
    );
  }
  const vars = envFileVars(file);
  const fromFile = pair(vars.APCA_API_KEY_ID, vars.APCA_API_SECRET_KEY);
  return fromFile ? { ...fromFile, source: ".env" } : null;
}

/** The environment with the home's .env under it (a variable set in the environment wins). */
export function envWithDotEnv(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  const file = join(dir, ".env");
  return existsSync(file) ? { ...envFileVars(file), ...env } : env;
}

/** `NAME=value` lines of a .env file (quotes and `export` dropped). */
function envFileVars(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  return vars;
}

/**
 * Why there is no key pair, in words for the banner: neither key set, or only one (the case that
 * used to fall back to generated bars without a word). Call it only when {@link readKeys} gave null.
 */
export function missingKeysReason(env: NodeJS.ProcessEnv, dir: string): string {
  const file = join(dir, ".env");
  const vars = existsSync(file) ? envFileVars(file) : {};
  const id = Boolean(env.APCA_API_KEY_ID || vars.APCA_API_KEY_ID);
  const secret = Boolean(env.APCA_API_SECRET_KEY || vars.APCA_API_SECRET_KEY);
  const where = `in the environment or ${file}`;
  if (id && !secret) return `only APCA_API_KEY_ID is set ${where}, APCA_API_SECRET_KEY is missing`;
  if (!id && secret) return `only APCA_API_SECRET_KEY is set ${where}, APCA_API_KEY_ID is missing`;
  return `no Alpaca keys: APCA_API_KEY_ID and APCA_API_SECRET_KEY are not set ${where}`;
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
