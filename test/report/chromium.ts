import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's chromium (or one named by CHROMIUM_BIN), or null when none is installed. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_BIN, "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"].filter((x): x is string => Boolean(x));
  for (const c of candidates) {
    try {
      execFileSync(c, ["--version"], { stdio: "pipe", timeout: 20_000 });
      return c;
    } catch {
      /* not this one */
    }
  }
  return null;
}

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars"];

/** The DOM after the page's scripts ran. */
export function dumpDom(chromium: string, file: string): string {
  const profile = mkdtempSync(join(tmpdir(), "sw-chromium-"));
  return execFileSync(chromium, [...FLAGS, `--user-data-dir=${profile}`, "--virtual-time-budget=5000", "--dump-dom", `file://${file}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000, maxBuffer: 64 << 20 });
}

/** A PNG of the page. */
export function screenshot(chromium: string, file: string, png: string, size = "1280,1700"): void {
  const profile = mkdtempSync(join(tmpdir(), "sw-chromium-"));
  execFileSync(chromium, [...FLAGS, `--user-data-dir=${profile}`, `--window-size=${size}`, "--virtual-time-budget=5000", `--screenshot=${png}`, `file://${file}`], { stdio: "ignore", timeout: 60_000 });
}
