/** @file Cost profiles: load, validate (every number has a source) and map to the silicon's CostProfile. */
import { INSN_CLASS, INSN_CLASS_COUNT, type CostProfile } from '@x86virt/x86-core';
import core2 from '../profiles/core2-2006.json' with { type: 'json' };
import p4 from '../profiles/p4-2006.json' with { type: 'json' };
import { evaluateFormula, formulaNames } from './profile-formula.ts';
import { PAPER_NANO } from './paper.ts';

/** The profiles shipped in `packages/bench/profiles/`, default first. */
export const PROFILE_NAMES = ['p4-2006', 'core2-2006'] as const;

const RAW: Readonly<Record<string, unknown>> = { 'p4-2006': p4, 'core2-2006': core2 };

/**
 * How a value is known: `published` (a number a cited source states), `derived` (computed
 * from other values and the paper's numbers by its `formula`, rechecked on load) or `fitted`
 * (a monitor's software cost, solved from one nanobenchmark; `null` until fitted).
 */
export const ENTRY_KINDS = ['published', 'derived', 'fitted'] as const;

/** One of `ENTRY_KINDS`. */
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** One documented number of a profile. */
export interface ProfileEntry {
  readonly value: number | null;
  readonly kind: EntryKind;
  /** Where the number comes from (a source id of the profile's `sources`, or the model's reasoning). */
  readonly source: string;
  /** For `derived`: the arithmetic over `paper.<nano>.<native|bt|hw>` and other entries' paths. */
  readonly formula?: string;
  /** For `fitted`: the nanobenchmarks it is fitted on, and how. */
  readonly fit?: { readonly on: readonly string[]; readonly method: string };
  /** Set when the value is not given by this profile but taken from the profile it inherits. */
  readonly inheritedFrom?: string;
}

/** Instruction-class names, in `INSN_CLASS` order. */
export const INSN_CLASS_NAMES = Object.keys(INSN_CLASS) as (keyof typeof INSN_CLASS)[];
/** The silicon's event costs, in CostProfile field names. */
export const SILICON_KEYS = ['hz', 'memOperand', 'exception', 'iret', 'walkRef', 'io'] as const;
/** Hardware-virtualization costs (S1 Table 1). */
export const SVM_KEYS = ['vmEntry', 'vmExitPageFault', 'vmcbRead', 'vmcbWrite', 'vmreadsPerExit', 'roundTrip'] as const;
/** Binary-translator costs (S1 §3). */
export const BT_KEYS = ['translatePerInsn', 'calloutRdtsc', 'inTcRdtsc', 'trapRdtsc', 'cliNative'] as const;
/** Monitor software costs, one per handler kind, fitted on nanobenchmarks only. */
export const MONITOR_KEYS = ['hwIoExit', 'hwPageFaultExit', 'hwTraceExit', 'btSyscallCallout', 'btFaultReflect', 'btPageFault', 'btTraceCallout'] as const;

type Section<K extends string> = { readonly [P in K]: ProfileEntry };

/** A validated cost profile (inheritance resolved). */
export interface BenchProfile {
  readonly name: string;
  readonly description: string;
  readonly machine: string;
  readonly inherits?: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly silicon: Section<(typeof SILICON_KEYS)[number]> & { readonly insnCycles: Section<(typeof INSN_CLASS_NAMES)[number]> };
  readonly svm: Section<(typeof SVM_KEYS)[number]>;
  readonly bt: Section<(typeof BT_KEYS)[number]>;
  readonly monitor: Section<(typeof MONITOR_KEYS)[number]>;
}

/** A profile that is unknown or does not validate; the message lists every problem. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

const SECTIONS = { silicon: SILICON_KEYS, svm: SVM_KEYS, bt: BT_KEYS, monitor: MONITOR_KEYS } as const;
const ENTRY_FIELDS = new Set(['value', 'kind', 'source', 'formula', 'fit']);
const NANO_NAMES = new Set(PAPER_NANO.flatMap((n) => [n.name, n.guest, n.key]));

/** Loads and validates shipped profile `name`. Throws `ProfileError`. */
export function loadProfile(name: string): BenchProfile {
  const raw = RAW[name];
  if (raw === undefined) throw new ProfileError(`unknown profile '${name}' (profiles: ${PROFILE_NAMES.join(', ')})`);
  const parentName = isObject(raw) && typeof raw['inherits'] === 'string' ? raw['inherits'] : undefined;
  const parent = parentName === undefined ? undefined : loadProfile(parentName);
  const { profile, problems } = validateProfile(raw, parent);
  if (profile === undefined || problems.length > 0) throw new ProfileError(`profile '${name}' is invalid:\n  ${problems.join('\n  ')}`);
  return profile;
}

/**
 * Checks raw profile data (a parsed JSON file): every value present, documented and of a kind
 * its section allows; derived values recomputed from their formulas; fitted values name the
 * nanobenchmarks they are fitted on. `parent` is the validated profile named by `inherits`.
 */
export function validateProfile(raw: unknown, parent?: BenchProfile): { profile?: BenchProfile; problems: string[] } {
  const problems: string[] = [];
  if (!isObject(raw)) return { problems: ['a profile is a JSON object'] };
  for (const k of Object.keys(raw)) if (!['name', 'inherits', 'description', 'machine', 'sources', 'silicon', 'svm', 'bt', 'monitor'].includes(k)) problems.push(`unknown top-level key '${k}'`);
  for (const k of ['name', 'description', 'machine'] as const) if (typeof raw[k] !== 'string' || raw[k] === '') problems.push(`'${k}' must be a non-empty string`);
  if (raw['inherits'] !== undefined && raw['inherits'] !== parent?.name) problems.push(`inherits '${String(raw['inherits'])}' but no such parent was given`);
  const ownSources = isObject(raw['sources']) ? (raw['sources'] as Record<string, unknown>) : {};
  if (!isObject(raw['sources'])) problems.push("'sources' must map source ids to citations");
  const sources: Record<string, string> = { ...parent?.sources };
  for (const [id, text] of Object.entries(ownSources)) {
    if (typeof text !== 'string' || text === '') problems.push(`source '${id}' has no citation`);
    else sources[id] = text;
  }

  const entries = new Map<string, ProfileEntry>();
  const own = new Set<string>();
  const take = (path: string, v: unknown, section: string): void => {
    if (v === undefined) {
      const inherited = parent === undefined ? undefined : entryAt(parent, path);
      if (inherited === undefined) problems.push(`${path}: missing`);
      else entries.set(path, { ...inherited, inheritedFrom: inherited.inheritedFrom ?? parent!.name });
      return;
    }
    const e = checkEntry(path, v, section, sources, problems);
    if (e !== undefined) {
      entries.set(path, e);
      own.add(path);
    }
  };
  for (const [section, keys] of Object.entries(SECTIONS)) {
    const obj = raw[section];
    if (!isObject(obj)) {
      problems.push(`'${section}' must be an object`);
      continue;
    }
    const allowed = new Set<string>(section === 'silicon' ? [...keys, 'insnCycles'] : keys);
    for (const k of Object.keys(obj)) if (!allowed.has(k)) problems.push(`${section}.${k}: unknown key (known: ${[...allowed].join(', ')})`);
    for (const k of keys) take(`${section}.${k}`, obj[k], section);
    if (section === 'silicon') {
      const ic = obj['insnCycles'];
      if (ic !== undefined && !isObject(ic)) problems.push('silicon.insnCycles must be an object');
      const icObj = isObject(ic) ? ic : {};
      for (const k of Object.keys(icObj)) if (!(INSN_CLASS_NAMES as string[]).includes(k)) problems.push(`silicon.insnCycles.${k}: not an INSN_CLASS (known: ${INSN_CLASS_NAMES.join(', ')})`);
      for (const k of INSN_CLASS_NAMES) take(`silicon.insnCycles.${k}`, icObj[k], section);
    }
  }

  // Derived values: recompute each from its formula over the resolved profile and the paper
  // (only once every entry is well-formed, so one bad entry reports one problem).
  if (problems.length > 0) return { problems };
  const lookup = (name: string): number | undefined => {
    const m = /^paper\.(\w+)\.(native|bt|hw)$/.exec(name);
    if (m) {
      const n = PAPER_NANO.find((p) => p.key === m[1]);
      return n === undefined ? undefined : n[m[2] as 'native' | 'bt' | 'hw'];
    }
    const e = entries.get(name);
    return e?.value ?? undefined;
  };
  for (const path of own) {
    const e = entries.get(path)!;
    if (e.kind !== 'derived' || e.formula === undefined) continue;
    try {
      for (const n of formulaNames(e.formula)) if (n === path) problems.push(`${path}: formula refers to itself`);
      const v = evaluateFormula(e.formula, lookup);
      if (e.value === null || Math.abs(v - e.value) > 1e-9 * Math.max(1, Math.abs(v))) problems.push(`${path}: value ${e.value} but its formula '${e.formula}' gives ${v}`);
    } catch (err) {
      problems.push(`${path}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) return { problems };

  const section = <K extends string>(name: string, keys: readonly K[]): Section<K> =>
    Object.fromEntries(keys.map((k) => [k, entries.get(`${name}.${k}`)!])) as unknown as Section<K>;
  const profile: BenchProfile = {
    name: raw['name'] as string,
    description: raw['description'] as string,
    machine: raw['machine'] as string,
    ...(parent ? { inherits: parent.name } : {}),
    sources,
    silicon: { ...section('silicon', SILICON_KEYS), insnCycles: section('silicon.insnCycles', INSN_CLASS_NAMES) },
    svm: section('svm', SVM_KEYS),
    bt: section('bt', BT_KEYS),
    monitor: section('monitor', MONITOR_KEYS),
  };
  return { profile, problems };
}

function checkEntry(path: string, v: unknown, section: string, sources: Record<string, string>, problems: string[]): ProfileEntry | undefined {
  const before = problems.length;
  if (!isObject(v)) {
    problems.push(`${path}: must be an object { value, kind, source, … }`);
    return undefined;
  }
  for (const k of Object.keys(v)) if (!ENTRY_FIELDS.has(k)) problems.push(`${path}: unknown field '${k}'`);
  const { value, kind, source, formula, fit } = v as Record<string, unknown>;
  if (!(ENTRY_KINDS as readonly unknown[]).includes(kind)) problems.push(`${path}: kind must be one of ${ENTRY_KINDS.join(', ')}`);
  if (typeof source !== 'string' || source.trim() === '') problems.push(`${path}: no source`);
  if (!(value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0))) problems.push(`${path}: value must be a non-negative number (or null while not fitted)`);
  if (kind === 'published') {
    if (value === null) problems.push(`${path}: a published value cannot be null`);
    if (typeof source === 'string' && !Object.keys(sources).some((id) => new RegExp(`\\b${id}\\b`).test(source))) problems.push(`${path}: a published value must cite one of the profile's sources (${Object.keys(sources).join(', ')})`);
  }
  if (kind === 'derived' && (typeof formula !== 'string' || formula === '')) problems.push(`${path}: a derived value needs its formula`);
  if (kind !== 'derived' && formula !== undefined) problems.push(`${path}: only derived values have a formula`);
  if (kind === 'fitted') {
    if (section !== 'monitor') problems.push(`${path}: only monitor software costs may be fitted; ${section} values come from published numbers`);
    const f = isObject(fit) ? fit : undefined;
    const on = f && Array.isArray(f['on']) ? (f['on'] as unknown[]) : [];
    if (on.length === 0) problems.push(`${path}: a fitted value must say which nanobenchmark it is fitted on (fit.on)`);
    for (const n of on) if (typeof n !== 'string' || !NANO_NAMES.has(n)) problems.push(`${path}: fitted on '${String(n)}', which is not a nanobenchmark (macro workloads are never used to fit)`);
    if (!f || typeof f['method'] !== 'string' || f['method'] === '') problems.push(`${path}: a fitted value must describe its fit (fit.method)`);
  } else {
    if (fit !== undefined) problems.push(`${path}: only fitted values have a fit`);
    if (value === null) problems.push(`${path}: only fitted values may be null`);
  }
  if (problems.length > before) return undefined;
  return v as unknown as ProfileEntry;
}

/** The entry at a dotted path (`silicon.insnCycles.DIV`, `svm.vmEntry`), or undefined. */
export function entryAt(profile: BenchProfile, path: string): ProfileEntry | undefined {
  let node: unknown = profile;
  for (const part of path.split('.')) node = isObject(node) ? node[part] : undefined;
  return isObject(node) && 'kind' in node ? (node as unknown as ProfileEntry) : undefined;
}

/** Every entry of a profile with its dotted path, in file order. */
export function profileEntries(profile: BenchProfile): { path: string; entry: ProfileEntry }[] {
  const out: { path: string; entry: ProfileEntry }[] = [];
  for (const [section, keys] of Object.entries(SECTIONS)) {
    for (const k of keys) out.push({ path: `${section}.${k}`, entry: entryAt(profile, `${section}.${k}`)! });
    if (section === 'silicon') for (const k of INSN_CLASS_NAMES) out.push({ path: `silicon.insnCycles.${k}`, entry: profile.silicon.insnCycles[k] });
  }
  return out;
}

/** The silicon's CostProfile: a direct mapping of the profile's `silicon` section. */
export function toCostProfile(profile: BenchProfile): CostProfile {
  const s = profile.silicon;
  const num = (e: ProfileEntry): number => e.value ?? 0; // silicon values are never null (validated)
  const insnCycles = new Array<number>(INSN_CLASS_COUNT).fill(0);
  for (const k of INSN_CLASS_NAMES) insnCycles[INSN_CLASS[k]] = num(s.insnCycles[k]);
  return {
    name: profile.name,
    hz: num(s.hz),
    insnCycles,
    memOperand: num(s.memOperand),
    exception: num(s.exception),
    iret: num(s.iret),
    walkRef: num(s.walkRef),
    io: num(s.io),
    // SVM hardware costs (S1 Table 1): every #VMEXIT is priced as the published page-fault exit.
    vmEntry: num(profile.svm.vmEntry),
    vmExit: num(profile.svm.vmExitPageFault),
    vmcbRead: num(profile.svm.vmcbRead),
    vmcbWrite: num(profile.svm.vmcbWrite),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
