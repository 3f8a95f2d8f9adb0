import { colourEnabled } from "./colour.ts";
import { isatty } from "node:tty";
import { pino, type DestinationStream, type Logger } from "pino";
import { prettyFactory } from "pino-pretty";
import { matchableSecrets, REDACTED } from "../store/redact.ts";

export { REDACTED };

export interface LoggerOptions {
  /** Human-readable lines; default: the destination is a terminal and CI is not set. */
  readonly pretty?: boolean;
  /** pino level name ("info" by default). */
  readonly level?: string;
  /** Secret values (API key id, secret) scrubbed wherever they appear in a line; empty ones are ignored. */
  readonly secrets?: readonly (string | undefined)[];
  /** A file descriptor (1 by default) or a stream taking one line per write. */
  readonly destination?: number | DestinationStream;
  readonly name?: string;
}

const SECRET_KEYS = [
  "keyId",
  "secretKey",
  "secret",
  "key",
  "apiKey",
  "apiSecret",
  "password",
  "token",
  "authorization",
  "Authorization",
  "APCA-API-KEY-ID",
  "APCA-API-SECRET-KEY",
  "APCA_API_KEY_ID",
  "APCA_API_SECRET_KEY",
];

/** pino redact paths for the secret keys at the top level and one or two levels down, and any headers. */
export const REDACT_PATHS: readonly string[] = ["", "*", "*.*"].flatMap((prefix) => [
  ...SECRET_KEYS.map((k) => (/^\w+$/.test(k) ? (prefix ? `${prefix}.${k}` : k) : `${prefix}["${k}"]`)),
  prefix ? `${prefix}.headers.*` : "headers.*",
]);

/**
 * Replaces every occurrence of the secrets in a serialized line. Working on the finished line
 * rather than walking the log object catches every route a secret can take (messages, format
 * arguments, Error messages and stacks after pino's serializer, child bindings, even key names)
 * for a native `includes` per secret per line. JSON escapes the secret if it holds quotes or
 * backslashes, so that form is scrubbed too.
 */
export function secretScrubber(secrets: readonly (string | undefined)[]): (line: string) => string {
  const forms = [...new Set(matchableSecrets(secrets).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (line) => line;
  return (line) => {
    for (const f of forms) if (line.includes(f)) line = line.replaceAll(f, REDACTED);
    return line;
  };
}

/**
 * The CLI's logger: one JSON line per event, or pretty lines on a terminal. Both paths are
 * synchronous on purpose: pino-pretty runs in-process through `prettyFactory` (not as a
 * transport, whose worker thread drops the last lines when the daemon exits right after logging
 * them), and the file descriptor is a sync SonicBoom, so a line is written before `log.x()` returns.
 */
export function createLogger(o: LoggerOptions = {}): Logger {
  const dest = o.destination ?? 1;
  const onTerminal = typeof dest === "number" && isatty(dest);
  const pretty = o.pretty ?? (onTerminal && !process.env.CI);
  const out = typeof dest === "number" ? pino.destination({ dest, sync: true }) : dest;
  const scrub = secretScrubber(o.secrets ?? []);
  const format = pretty ? prettyFactory({ colorize: colourEnabled({ isTTY: onTerminal }), translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }) : undefined;
  const stream: DestinationStream = { write: (line) => out.write(format ? format(scrub(line)) : scrub(line)) };
  return pino({ name: o.name ?? "sizewise", level: o.level ?? "info", redact: { paths: [...REDACT_PATHS], censor: REDACTED } }, stream);
}
