import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { SizingConfig } from "../../config/schema.ts";
import { isBuiltinLayer, isLayerFile, type BuiltinLayerName } from "../modes.ts";
import { allocLayer } from "./allocator.ts";
import { confLayer } from "./conf.ts";
import { ddLayer } from "./dd.ts";
import { kellyLayer } from "./kelly.ts";
import { rlLayer } from "./rl.ts";
import { tmplLayer } from "./tmpl.ts";
import type { SizingLayerDefinition } from "./types.ts";
import { volLayer } from "./vol.ts";

export type { LayerContext, LayerOutput, LayerSetup, PortionLayer, SizingLayer, SizingLayerDefinition } from "./types.ts";
export { defineSizingLayer } from "./types.ts";

/** The shipped layers by name. */
export const BUILTIN_LAYERS: ReadonlyMap<BuiltinLayerName, SizingLayerDefinition> = new Map<BuiltinLayerName, SizingLayerDefinition>([
  ["kelly", kellyLayer],
  ["conf", confLayer],
  ["vol", volLayer],
  ["rl", rlLayer],
  ["tmpl", tmplLayer],
  ["dd", ddLayer],
  ["allocator", allocLayer],
]);

/** Layers by the entry a mode list names them with: a built-in name or a layer file's path as written. */
export type LayerRegistry = ReadonlyMap<string, SizingLayerDefinition>;

/**
 * How a layer is found: a mode list entry is either a built-in name or the path of a layer file
 * (relative to `baseDir`, normally the working directory). So adding a layer is one new file and
 * one config list: `"sizing": {"modes": {"mine": ["kelly", "./layers/streak.ts"]}, "mode": "mine"}`.
 * The file's default export (or its export `layer`) is a SizingLayerDefinition.
 *
 * Loading is asynchronous (a module import), so it happens once at start-up, before the sizer is
 * made: `createSizer(config, { layers: await loadSizingLayers(config.sizing) })`. Only files named
 * by some mode are loaded; a file that fails to load or exports no layer is refused with its path.
 */
export async function loadSizingLayers(sizing: Pick<SizingConfig, "modes">, baseDir: string = process.cwd()): Promise<LayerRegistry> {
  const out = new Map<string, SizingLayerDefinition>(BUILTIN_LAYERS);
  for (const list of Object.values(sizing.modes)) {
    for (const entry of list) {
      if (out.has(entry) || !isLayerFile(entry)) continue;
      const def = loaded.get(entry) ?? (await importLayer(entry, isAbsolute(entry) ? entry : resolve(baseDir, entry)));
      out.set(entry, def);
      loaded.set(entry, def);
    }
  }
  return out;
}

/**
 * Layer files this process has loaded so far (loadSizingLayers), with the built-ins: what a sizer
 * made without an explicit registry uses. The commands load the config's layer files once at
 * start-up, so every sizer a run makes later (one per compared mode, per walk-forward fold, a
 * daemon's mode switch) finds them without each caller carrying the registry.
 */
const loaded = new Map<string, SizingLayerDefinition>();

export function knownLayers(): LayerRegistry {
  if (loaded.size === 0) return BUILTIN_LAYERS;
  return new Map([...BUILTIN_LAYERS, ...loaded]);
}

async function importLayer(entry: string, file: string): Promise<SizingLayerDefinition> {
  const url = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    // Plain Node cannot import TypeScript; tsx (a dependency) can.
    if (!/\.m?ts$/.test(file) || (e as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw new Error(`sizing layer ${entry}: cannot load ${file}: ${(e as Error).message}`, { cause: e });
    const { tsImport } = await import("tsx/esm/api");
    mod = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  const def = (mod.default ?? mod.layer) as Partial<SizingLayerDefinition> | undefined;
  if (!def || typeof def.name !== "string" || typeof def.create !== "function") {
    throw new Error(`sizing layer ${entry}: ${file} must export default a layer definition { name, description, create(setup) } (defineSizingLayer)`);
  }
  if (isBuiltinLayer(def.name)) throw new Error(`sizing layer ${entry}: the name "${def.name}" is a built-in layer's; pick another`);
  return def as SizingLayerDefinition;
}
