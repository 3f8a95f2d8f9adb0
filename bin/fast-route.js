// Which entry of the compiled CLI runs an argv: the one-shot commands an operator types often
// (config, status, halt, resume) run from dist/fast/cli.cjs, one bundle of their module graph
// (scripts/bundle-fast.js, loaded by fast-load.js); every other command, help and anything
// unknown runs from the tsc output in dist/src/. Plain JavaScript and Node built-ins only.
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The commands dist/fast/ holds (main.ts's names; `resume` is registered by halt's module). */
export const FAST_COMMANDS = ["config", "status", "halt", "resume"];

/**
 * The command an argv names: its first word that is not an option or --home's value (as
 * src/cli/main.ts's commandOf reads it).
 * @param {readonly string[]} argv process.argv
 * @returns {string | undefined}
 */
export function commandOf(argv) {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--home") i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/**
 * The bundle and the command for `argv` when it runs a fast command and the build has the bundle,
 * else null.
 * @param {string} distDir the dist/ folder of a current build
 * @param {readonly string[]} argv process.argv
 * @returns {{ file: string, command: string } | null}
 */
export function fastEntry(distDir, argv) {
  const command = commandOf(argv);
  if (command === undefined || !FAST_COMMANDS.includes(command)) return null;
  const file = join(distDir, "fast", "cli.cjs");
  return existsSync(file) ? { file, command } : null;
}
