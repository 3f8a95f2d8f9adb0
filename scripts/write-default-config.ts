// Writes config/default.json from the zod schema's defaults, so the file and the code never disagree
// (a test checks they are equal). Run: node --import tsx scripts/write-default-config.ts
import { writeFileSync } from "node:fs";
import { defaultConfig } from "../src/config/load.ts";

writeFileSync(new URL("../config/default.json", import.meta.url), `${JSON.stringify(defaultConfig(), null, 2)}\n`);
