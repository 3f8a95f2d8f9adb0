// Writes config/default.json (the schema's defaults, with a "$schema" pointer for editors) and
// config/schema.json (the JSON Schema generated from the zod schema), so the files and the code
// never disagree (tests check both). Run: node --import tsx scripts/write-default-config.ts
import { writeFileSync } from "node:fs";
import { defaultConfig } from "../src/config/load.ts";
import { configJsonSchema } from "../src/config/json-schema.ts";

writeFileSync(new URL("../config/default.json", import.meta.url), `${JSON.stringify({ $schema: "./schema.json", ...defaultConfig() }, null, 2)}\n`);
writeFileSync(new URL("../config/schema.json", import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
