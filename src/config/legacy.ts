/**
 * Config keys from before strategies were plugins (issue 14), rewritten to today's form so old
 * files and experiment overrides keep working:
 * - `strategy: {...}` -> the params of the first bear-trap instance in `strategies` (one is
 *   created when the file has no `strategies`); an override `strategy.X` therefore sets that
 *   instance's `params.X`.
 * - `strategy.flattenAt` (an ET clock time, read as an offset from a 16:00 close) and
 *   `daemon.flattenMinutesBeforeClose` -> `session.flattenMinutesBeforeClose`.
 * - `strategy.regularHoursOnly` -> `session.regularHoursOnly`.
 * A legacy key given next to its new home wins: it is the one an override just set.
 * Pure: the caller shows the warnings.
 */

/** One rewritten key: `kind` names the legacy key (callers show each kind once), `message` shows the new form. */
export interface LegacyWarning {
  readonly kind: string;
  readonly message: string;
}

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => x !== null && typeof x === "object" && !Array.isArray(x);

/** 16:00 New York: `flattenAt` was an offset from a full day's close. */
const FULL_DAY_CLOSE_MINUTE = 16 * 60;

/** "15:55" -> 5 minutes before a 16:00 close; undefined when not an HH:MM before 16:00. */
export function flattenAtToMinutesBeforeClose(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(\d{2}):(\d{2})$/.exec(v);
  if (!m || Number(m[2]) > 59) return undefined;
  const minutes = FULL_DAY_CLOSE_MINUTE - (Number(m[1]) * 60 + Number(m[2]));
  return minutes > 0 ? minutes : undefined;
}

/** The raw config with legacy keys rewritten (a copy; the input is not changed), and a warning per rewrite. */
export function migrateLegacyConfig(raw: unknown): { raw: unknown; warnings: LegacyWarning[] } {
  if (!isObj(raw)) return { raw, warnings: [] };
  const hasStrategy = isObj(raw.strategy);
  const daemonFlatten = isObj(raw.daemon) && Object.hasOwn(raw.daemon, "flattenMinutesBeforeClose");
  if (!hasStrategy && !daemonFlatten) return { raw, warnings: [] };
  const out: Obj = { ...raw };
  const warnings: LegacyWarning[] = [];
  const session: Obj = isObj(out.session) ? { ...out.session } : {};

  if (daemonFlatten) {
    const { flattenMinutesBeforeClose: minutes, ...daemon } = raw.daemon as Obj;
    out.daemon = daemon;
    session.flattenMinutesBeforeClose = minutes;
    const shadowed = hasStrategy && (raw.strategy as Obj).flattenAt !== undefined;
    warnings.push({
      kind: "daemon.flattenMinutesBeforeClose",
      message: shadowed
        ? "daemon.flattenMinutesBeforeClose moved to session.flattenMinutesBeforeClose, and strategy.flattenAt, given too, sets that (the two were one setting); drop the daemon key"
        : `daemon.flattenMinutesBeforeClose moved to session (it now also ends intraday entries); write: "session": ${JSON.stringify({ flattenMinutesBeforeClose: minutes })}`,
    });
  }

  if (hasStrategy) {
    const { flattenAt, regularHoursOnly, ...params } = raw.strategy as Obj;
    delete out.strategy;
    if (flattenAt !== undefined) {
      // An unreadable time is passed on as given, so the check names it with the value.
      session.flattenMinutesBeforeClose = flattenAtToMinutesBeforeClose(flattenAt) ?? flattenAt;
    }
    if (regularHoursOnly !== undefined) session.regularHoursOnly = regularHoursOnly;
    const list = Array.isArray(out.strategies) ? [...(out.strategies as unknown[])] : null;
    if (list === null) {
      out.strategies = [{ id: "bear-trap", params }];
    } else {
      const at = list.findIndex((s) => isObj(s) && s.id === "bear-trap");
      if (at < 0) {
        // Nowhere to put them: keep the section, so the check refuses it by name.
        out.strategy = raw.strategy;
      } else {
        const inst = list[at] as Obj;
        list[at] = { ...inst, params: { ...(isObj(inst.params) ? inst.params : {}), ...params } };
        out.strategies = list;
      }
    }
    const shownSession = flattenAt !== undefined || regularHoursOnly !== undefined ? `"session": ${JSON.stringify(pick(session, ["regularHoursOnly", "flattenMinutesBeforeClose"]))}, ` : "";
    warnings.push({
      kind: "strategy",
      message: `"strategy" is the old form of the Bear Trap's settings (read as the first bear-trap strategy's params); write: ${shownSession}"strategies": [${JSON.stringify({ id: "bear-trap", params })}]`,
    });
  }
  if (Object.keys(session).length > 0) out.session = session;
  return { raw: out, warnings };
}

function pick(o: Obj, keys: readonly string[]): Obj {
  const r: Obj = {};
  for (const k of keys) if (o[k] !== undefined) r[k] = o[k];
  return r;
}

/**
 * The dotted key a person wrote for an issue's path: "strategy.X" when X came from the legacy
 * section (or "strategy.flattenAt", "daemon.flattenMinutesBeforeClose" for the moved flatten), so
 * a problem names the key in the file, not where it was moved to.
 */
export function writtenKey(path: readonly PropertyKey[], original: unknown): string {
  const key = path.map(String).join(".");
  if (!isObj(original)) return key;
  const legacy = isObj(original.strategy) ? original.strategy : null;
  if (key === "session.flattenMinutesBeforeClose") {
    if (legacy && legacy.flattenAt !== undefined) return "strategy.flattenAt";
    if (isObj(original.daemon) && Object.hasOwn(original.daemon, "flattenMinutesBeforeClose")) return "daemon.flattenMinutesBeforeClose";
  }
  if (key === "session.regularHoursOnly" && legacy && legacy.regularHoursOnly !== undefined) return "strategy.regularHoursOnly";
  if (legacy && path[0] === "strategies" && path[2] === "params" && path.length > 3 && Object.hasOwn(legacy, String(path[3]))) {
    const list = Array.isArray(original.strategies) ? (original.strategies as unknown[]) : [];
    const first = list.findIndex((s) => isObj(s) && s.id === "bear-trap");
    if (String(path[1]) === String(Math.max(first, 0))) return ["strategy", ...path.slice(3).map(String)].join(".");
  }
  return key;
}

/** "unknown key (did you mean minDayChangePct?)" at key a.b.x -> "... (did you mean a.b.minDayChangePct?)". */
export function qualifiedGuess(message: string, key: string): string {
  const parent = key.includes(".") ? key.slice(0, key.lastIndexOf(".") + 1) : "";
  return message.replace(/\(did you mean ([A-Za-z0-9_]+)\?\)/, (_m, g: string) => `(did you mean ${parent}${g}?)`);
}
