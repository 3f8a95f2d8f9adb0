/**
 * Sizing modes as named lists of layer names. This module has no imports so the config schema can
 * check mode and layer names without pulling in the layers themselves.
 *
 * A mode is the ordered list of layers that multiply the base (risk to the stop, or the
 * allocation's notional). The drawdown cutback `dd` applies in every mode: it carries the
 * emergency halt, so a mode cannot switch it off; a list that does not name it gets it after its
 * other multipliers. The template layer `tmpl` is a "portion" layer: its factor is the fraction of
 * the full size ordered now, not part of the full size (see pipeline.ts).
 */

/** Layers shipped with sizewise, each in its own module under ./layers/. */
export const BUILTIN_LAYER_NAMES = ["kelly", "conf", "vol", "rl", "tmpl", "dd", "allocator"] as const;

export type BuiltinLayerName = (typeof BUILTIN_LAYER_NAMES)[number];

/**
 * The built-in modes (SPEC 3). Volatility applies in `full` only: SPEC's modes name the layers they
 * measure, and a mode that silently included volatility could not be compared against `fixed` for
 * its own layer. These lists reproduce the former boolean table decision for decision.
 */
export const BUILTIN_MODES = Object.freeze({
  fixed: Object.freeze(["dd"]),
  kelly: Object.freeze(["kelly", "dd"]),
  kelly_confidence: Object.freeze(["kelly", "conf", "dd"]),
  regime_template: Object.freeze(["dd", "tmpl"]),
  rl: Object.freeze(["rl", "dd"]),
  full: Object.freeze(["kelly", "conf", "vol", "rl", "dd", "tmpl"]),
} as const satisfies Record<string, readonly BuiltinLayerName[]>);

export type BuiltinSizingMode = keyof typeof BUILTIN_MODES;

export const BUILTIN_MODE_NAMES = Object.keys(BUILTIN_MODES) as BuiltinSizingMode[];

/** A mode name a user may define in `sizing.modes`. */
export const MODE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * A layer file in a mode list: a relative or absolute path to a module (.ts, .mts, .js, .mjs)
 * whose default export is a sizing layer definition (see layers/types.ts). Anything else must be a
 * built-in layer name.
 */
export const LAYER_FILE_PATTERN = /[\\/].*\.(?:m?ts|m?js)$/;

export function isBuiltinMode(name: string): name is BuiltinSizingMode {
  return Object.hasOwn(BUILTIN_MODES, name);
}

export function isBuiltinLayer(name: string): name is BuiltinLayerName {
  return (BUILTIN_LAYER_NAMES as readonly string[]).includes(name);
}

export function isLayerFile(entry: string): boolean {
  return LAYER_FILE_PATTERN.test(entry);
}

/** User modes by name (config `sizing.modes`). */
export type ModeLists = Readonly<Record<string, readonly string[]>>;

/**
 * The layer list of a mode as the pipeline runs it: the built-in or user list, with `dd` placed
 * after the other multipliers when the list does not name it. Null for an unknown mode.
 */
export function modeLayerList(mode: string, modes: ModeLists = {}): readonly string[] | null {
  const list = isBuiltinMode(mode) ? BUILTIN_MODES[mode] : Object.hasOwn(modes, mode) ? modes[mode] : null;
  if (list === null) return null;
  if (list.includes("dd")) return list;
  const t = list.indexOf("tmpl");
  return t < 0 ? [...list, "dd"] : [...list.slice(0, t), "dd", ...list.slice(t)];
}

/** Whether a mode runs a layer (false for an unknown mode). */
export function modeUses(mode: string, layer: string, modes: ModeLists = {}): boolean {
  return modeLayerList(mode, modes)?.includes(layer) ?? false;
}

/** Every mode name a config knows: the built-ins, then its own. */
export function knownModes(modes: ModeLists = {}): string[] {
  return [...BUILTIN_MODE_NAMES, ...Object.keys(modes)];
}
