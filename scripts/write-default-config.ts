// Writes config/default.json (the schema's defaults, with a "$schema" pointer for editors),
// config/schema.json (the JSON Schema generated from the zod schema) and docs/config.md (every key
// with its default, what is allowed and what it does), so the files and the code never disagree
// (tests check all three). Run: node --import tsx scripts/write-default-config.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { defaultConfig } from "../src/config/load.ts";
import { configDoc, configJsonSchema } from "../src/config/json-schema.ts";

writeFileSync(new URL("../config/default.json", import.meta.url), `${JSON.stringify({ $schema: "./schema.json", ...defaultConfig() }, null, 2)}\n`);
writeFileSync(new URL("../config/schema.json", import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
mkdirSync(new URL("../docs/", import.meta.url), { recursive: true });
writeFileSync(new URL("../docs/config.md", import.meta.url), configDoc());
