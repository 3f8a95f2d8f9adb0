// Prints vitest's JSON report as one plain closing line: "N passed, N failed, N skipped".
import { readFileSync } from "node:fs";

const path = process.argv[2];
let r;
try {
  r = JSON.parse(readFileSync(path, "utf8"));
} catch (e) {
  console.log(`tests: no report at ${path} (${e.message})`);
  process.exit(1);
}
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
