import { projectDir } from "../io/project-dir.ts";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";

/**
 * One home for what a run reads and writes: `config/local.json`, `.env` and `state/`. It is the
 * project folder, or `SIZEWISE_HOME`, or `--home DIR`, never the current directory: a `config set`
 * run from another folder used to write a file no daemon read, and report success (issue 13, item 7).
 * Paths given on the command line (`--state`, `--config`) are the user's own and resolve against
 * the current directory, as any command-line path does.
 */

/** The folder holding package.json and bin/ (from the sources or the compiled build alike). */
export const PROJECT_DIR = projectDir();

/** Set by the command being run (`--home`), else undefined. */
let homeFlag: string | undefined;

/** The home folder: --home, else SIZEWISE_HOME, else the project folder; absolute. */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (homeFlag !== undefined) return homeFlag;
  const fromEnv = env.SIZEWISE_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : PROJECT_DIR;
}

/** Where the home came from, for the banner. */
export function homeSource(env: NodeJS.ProcessEnv = process.env): string {
  if (homeFlag !== undefined) return "--home";
  return env.SIZEWISE_HOME?.trim() ? "SIZEWISE_HOME" : "the project folder";
}

function isDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Refuses a home that does not exist (a typo would otherwise grow a fresh config and state). */
function checkHome(dir: string, from: string): string {
  if (!isDir(dir)) throw new Error(`home folder ${dir} (from ${from}) does not exist or is not a folder: create it, or point ${from} at the folder that holds config/, .env and state/`);
  return dir;
}

/** `<home>/state`, the default state folder. */
export function defaultStateDir(): string {
  return join(homeDir(), "state");
}

/**
 * Runs before every command's action: fixes the home for this run (checked), and turns its
 * `--state` into an absolute path (the home's state/ unless given on the command line).
 */
export function applyHome(program: Command, action: Command, env: NodeJS.ProcessEnv = process.env): void {
  const flag = (program.opts() as { home?: string }).home;
  homeFlag = undefined;
  if (flag !== undefined) homeFlag = checkHome(resolve(flag), "--home");
  else if (env.SIZEWISE_HOME?.trim()) checkHome(resolve(env.SIZEWISE_HOME.trim()), "SIZEWISE_HOME");
  if (!action.options.some((o) => o.attributeName() === "state")) return;
  const given = action.getOptionValueSource("state") === "cli";
  const value = action.getOptionValue("state") as string | undefined;
  action.setOptionValueWithSource("state", given && value ? resolve(value) : defaultStateDir(), given ? "cli" : "default");
}

/**
 * For commands that act on an existing run (halt, resume, status, journal, report): a state folder
 * that does not exist is refused, never created, so a typo cannot "halt" nothing.
 */
export function requireStateDir(stateDir: string, what: string): void {
  if (isDir(stateDir)) return;
  throw new Error(
    `no state folder at ${stateDir}: ${what}. A daemon writes its state folder on its first start; give the one it uses with --state DIR, or --home DIR / SIZEWISE_HOME for the home that holds it (now ${homeDir()}, from ${homeSource()})`,
  );
}
