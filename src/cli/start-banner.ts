import { existsSync } from "node:fs";
import { join } from "node:path";

/** What a `start` is about to do, in the terms the banner prints. */
export interface StartFacts {
  /** "local exchange (...)", "Alpaca PAPER (...)", "Alpaca LIVE, REAL MONEY (...)". */
  readonly broker: string;
  /** "GENERATED bars (...)", "files in DIR (...)", "Alpaca market data (...)". */
  readonly data: string;
  readonly symbols: readonly string[];
  readonly home: string;
  readonly homeSource: string;
  /** The config file in force (absolute), or the home's config/local.json when none exists. */
  readonly configFile: string;
  readonly stateDir: string;
}

const MAX_SYMBOLS_SHOWN = 12;

function symbolList(symbols: readonly string[]): string {
  if (symbols.length <= MAX_SYMBOLS_SHOWN) return symbols.join(", ");
  return `${symbols.slice(0, MAX_SYMBOLS_SHOWN).join(", ")} and ${symbols.length - MAX_SYMBOLS_SHOWN} more`;
}

/**
 * The one line `start` prints before it trades, so nobody mistakes generated bars for the market
 * or a local exchange for Alpaca (issue 13, item 7): broker, data, symbols, and the absolute paths
 * of the home, config, .env and state it uses.
 */
export function startBanner(f: StartFacts): string {
  const envFile = join(f.home, ".env");
  const config = `${f.configFile}${existsSync(f.configFile) ? "" : " (absent: defaults)"}`;
  return (
    `sizewise start | broker: ${f.broker} | data: ${f.data} | symbols (${f.symbols.length}): ${symbolList(f.symbols)} | ` +
    `home: ${f.home} (${f.homeSource}) | config: ${config} | .env: ${envFile}${existsSync(envFile) ? "" : " (absent)"} | state: ${f.stateDir}\n`
  );
}

/** How many bars the loaders refused, by reason, in one line (empty when none). */
export function refusedLine(count: number, byReason: ReadonlyMap<string, number>, firstSample: { file: string; line: number } | undefined): string {
  if (count === 0) return "";
  const reasons = [...byReason].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} x ${r}`).join("; ");
  const first = firstSample ? ` (first: ${firstSample.file} line ${firstSample.line})` : "";
  return `refused ${count} bar${count === 1 ? "" : "s"} that cannot be real and went on without them: ${reasons}${first}\n`;
}
