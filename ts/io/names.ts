/**
 * Name mapping from a checkpoint's tensor names to the names modeconn reads (a known layout, or
 * the layout of a given arch): an exact map first, then the first matching rule (a prefix or a
 * regular expression), then DataParallel's `module.` prefix dropped when every name has it.
 */
import { ModeconnError } from '../errors.js';

/** One rule: a prefix (string) replaced by `to`, or a RegExp whose matches are replaced by `to` ($1 …). */
export interface NameRule {
  from: string | RegExp;
  to: string;
}

/** How to rename a checkpoint's tensors (library option `names`, CLI `--names map.json`). */
export interface NameMapping {
  /** Exact renames, checkpoint name → modeconn name. */
  map?: Record<string, string>;
  /** Tried in order for names the map does not cover; the first that matches applies. */
  rules?: NameRule[];
}

function renameOne(name: string, mapping: NameMapping): string {
  if (mapping.map && Object.prototype.hasOwnProperty.call(mapping.map, name)) return mapping.map[name];
  for (const rule of mapping.rules ?? []) {
    if (typeof rule.from === 'string') {
      if (name.startsWith(rule.from)) return rule.to + name.slice(rule.from.length);
    } else if (new RegExp(rule.from.source, rule.from.flags.replace('g', '')).test(name)) {
      return name.replace(rule.from, rule.to);
    }
  }
  return name;
}

/**
 * Checkpoint name → modeconn name for every tensor; BAD_ARGUMENT naming both when two checkpoint
 * names land on one modeconn name.
 */
export function mapNames(names: Iterable<string>, mapping: NameMapping = {}, file = 'model file'): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of names) out.set(name, renameOne(name, mapping));
  const all = [...out.values()];
  if (all.length > 0 && all.every((n) => n.startsWith('module.'))) for (const [k, v] of out) out.set(k, v.slice('module.'.length));
  const seen = new Map<string, string>();
  for (const [from, to] of out) {
    if (to === '') throw new ModeconnError('BAD_ARGUMENT', `${file}: the name mapping renames "${from}" to an empty name`);
    const other = seen.get(to);
    if (other !== undefined) throw new ModeconnError('BAD_ARGUMENT', `${file}: the name mapping renames both "${other}" and "${from}" to "${to}"`);
    seen.set(to, from);
  }
  return out;
}

/**
 * A NameMapping from JSON: `{ "map": {…}, "rules": [{ "from": "prefix." | "/regex/flags", "to": "…" }] }`,
 * or a flat object of strings (read as `map`). BAD_ARGUMENT naming `where` otherwise.
 */
export function parseNameMapping(json: unknown, where: string): NameMapping {
  const bad = (problem: string): never => {
    throw new ModeconnError('BAD_ARGUMENT', `${where}: ${problem}`, { advice: 'expected {"map": {"old": "new"}, "rules": [{"from": "prefix." or "/regex/", "to": "…"}]}' });
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) bad('a name mapping must be a JSON object');
  const obj = json as Record<string, unknown>;
  const strings = (v: unknown, what: string) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((s) => typeof s !== 'string')) bad(`${what} must map names to names (strings)`);
    return v as Record<string, string>;
  };
  if (!('map' in obj) && !('rules' in obj)) return { map: strings(obj, 'the mapping') };
  const unknown = Object.keys(obj).filter((k) => k !== 'map' && k !== 'rules');
  if (unknown.length > 0) bad(`unknown key ${JSON.stringify(unknown[0])}`);
  const mapping: NameMapping = {};
  if (obj.map !== undefined) mapping.map = strings(obj.map, '"map"');
  if (obj.rules !== undefined) {
    if (!Array.isArray(obj.rules)) bad('"rules" must be an array');
    mapping.rules = (obj.rules as unknown[]).map((r, i) => {
      const rule = r as Record<string, unknown>;
      if (r === null || typeof r !== 'object' || typeof rule.from !== 'string' || typeof rule.to !== 'string') bad(`rules[${i}] must be {"from": string, "to": string}`);
      const from = rule.from as string;
      const regex = /^\/(.*)\/([a-z]*)$/s.exec(from);
      if (!regex) return { from, to: rule.to as string };
      try {
        return { from: new RegExp(regex[1], regex[2]), to: rule.to as string };
      } catch (cause) {
        return bad(`rules[${i}].from is not a valid regular expression (${cause instanceof Error ? cause.message : String(cause)})`);
      }
    });
  }
  return mapping;
}
