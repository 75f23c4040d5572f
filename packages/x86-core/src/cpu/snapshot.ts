/** @file Processor snapshots: every architectural and model field of a `Cpu` and its counters as plain JSON data, and their restore. */
import { Cr0, PageSize, PageWalk, TlbBit, type Tlb } from '@x86virt/mmu';
import type { Cpu } from './cpu.ts';
import { updateSegFlat } from './segmentation.ts';

/** Version of the `CpuSnapshot` layout; bumped when a field changes meaning. */
export const CPU_SNAPSHOT_VERSION = 1;

/** A typed array in a snapshot: its constructor name and its elements. */
export interface TypedArraySnapshot {
  readonly typedArray: string;
  readonly values: readonly number[];
}

/** A value in a snapshot: JSON data, with typed arrays tagged. */
export type SnapshotValue =
  | number
  | boolean
  | string
  | null
  | TypedArraySnapshot
  | readonly SnapshotValue[]
  | { readonly [key: string]: SnapshotValue };

/** The processor's state as plain data (`JSON.stringify` safe). */
export interface CpuSnapshot {
  readonly version: number;
  /** Every state field of the `Cpu`, by name (registers, EFLAGS and lazy flags, segment caches, CRs, DRs, MSRs, clock, pending events…). */
  readonly fields: { readonly [name: string]: SnapshotValue };
  /** The silicon's counters (`Cpu.counters`). */
  readonly counters: { readonly [name: string]: SnapshotValue };
  /** The TLB's live entries as flat pairs: linear page number, entry (`TlbBit` form). */
  readonly tlb: readonly number[];
}

/**
 * Fields that are not state of their own: aliasing views of `regs` (`r16`, `r8`), the memory
 * and its view, derived caches (`codePages`: rebuilt with the engine's blocks; `segFlat`:
 * recomputed from the segment caches; `tlb`: flushed on restore), the wiring (`io`, `intr`,
 * `cost`, hooks) and `counters` (saved apart). Functions and class instances are never saved either.
 */
const NOT_STATE: ReadonlySet<string> = new Set(['r16', 'r8', 'ram', 'view', 'codePages', 'segFlat', 'tlb', 'io', 'intr', 'apic', 'cost', 'counters', 'hostSink', 'onCodeWrite', 'physWriteFilter', 'onFerr']);

function isTypedArray(v: unknown): v is Int32Array | Float64Array | Uint16Array | Uint8Array | Int8Array | Uint32Array | Int16Array | Float32Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `v` as snapshot data, or undefined when it is not state (a function, a class instance). */
function toSnapshotValue(v: unknown): SnapshotValue | undefined {
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (isTypedArray(v)) return { typedArray: v.constructor.name, values: Array.from(v as ArrayLike<number>) };
  if (Array.isArray(v)) {
    const out: SnapshotValue[] = [];
    for (const e of v) {
      const s = toSnapshotValue(e);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }
  if (isPlainObject(v)) {
    const out: Record<string, SnapshotValue> = {};
    for (const [k, e] of Object.entries(v)) {
      const s = toSnapshotValue(e);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return undefined;
}

function isTypedArraySnapshot(v: SnapshotValue): v is TypedArraySnapshot {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as TypedArraySnapshot).typedArray === 'string' && Array.isArray((v as TypedArraySnapshot).values);
}

const TYPED_ARRAYS: Record<string, (values: readonly number[]) => ArrayBufferView> = {
  Int8Array: (v) => Int8Array.from(v),
  Uint8Array: (v) => Uint8Array.from(v),
  Int16Array: (v) => Int16Array.from(v),
  Uint16Array: (v) => Uint16Array.from(v),
  Int32Array: (v) => Int32Array.from(v),
  Uint32Array: (v) => Uint32Array.from(v),
  Float32Array: (v) => Float32Array.from(v),
  Float64Array: (v) => Float64Array.from(v),
};

/** Snapshot data back to a runtime value (fresh objects; typed arrays rebuilt). */
function fromSnapshotValue(v: SnapshotValue): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (isTypedArraySnapshot(v)) {
    const make = TYPED_ARRAYS[v.typedArray];
    if (make === undefined) throw new TypeError(`snapshot: unknown typed array ${v.typedArray}`);
    return make(v.values);
  }
  if (Array.isArray(v)) return v.map((e: SnapshotValue) => fromSnapshotValue(e));
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(v)) out[k] = fromSnapshotValue(e as SnapshotValue);
  return out;
}

/** Saves the own state fields of `target` (those `toSnapshotValue` accepts), skipping `skip`. */
function saveFields(target: object, skip: ReadonlySet<string>): Record<string, SnapshotValue> {
  const out: Record<string, SnapshotValue> = {};
  for (const [k, v] of Object.entries(target)) {
    if (skip.has(k)) continue;
    const s = toSnapshotValue(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** Writes saved fields back: typed arrays in place (their length must match), the rest by assignment. */
function restoreFields(target: object, fields: { readonly [name: string]: SnapshotValue }, what: string): void {
  const t = target as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) {
    if (!(k in t)) throw new TypeError(`snapshot: ${what} has no field '${k}'`);
    const cur = t[k];
    if (isTypedArray(cur)) {
      if (!isTypedArraySnapshot(v) || v.values.length !== cur.length) throw new TypeError(`snapshot: ${what}.${k} is not a typed array of ${cur.length} elements`);
      (cur as { set(a: ArrayLike<number>): void }).set(v.values);
    } else t[k] = fromSnapshotValue(v);
  }
}

/**
 * The processor's whole state as plain data: every own field of `cpu` that holds state
 * (numbers, booleans, null, typed arrays, plain objects such as `shutdown`), so a field added
 * to `Cpu` later is saved without touching this file, plus every counter. Not saved: the
 * memory (the caller saves RAM), the wiring, and the decoded-block cache; the TLB's entries are.
 */
export function saveCpuState(cpu: Cpu): CpuSnapshot {
  return {
    version: CPU_SNAPSHOT_VERSION,
    fields: saveFields(cpu, NOT_STATE),
    counters: saveFields(cpu.counters, new Set()),
    tlb: saveTlb(cpu.tlb),
  };
}

/** The TLB's entries with a translation in them (pairs: linear page number, entry). */
function saveTlb(tlb: Tlb): number[] {
  const out: number[] = [];
  const e = tlb.entries;
  for (let lpn = 0; lpn < e.length; lpn++) if ((e[lpn]! & ~TlbBit.LISTED) !== 0) out.push(lpn, e[lpn]!);
  return out;
}

/**
 * Refills the TLB with saved entries through `Tlb.fill`, rebuilding each entry's walk result
 * from its bits, so that a restored run misses (and pays for walks) exactly where the
 * uninterrupted one would. Emptied-but-listed slots (after INVLPG) are not kept: only the
 * moment a full TLB (65 536 pages) overflows can differ.
 */
function restoreTlb(tlb: Tlb, pairs: readonly number[]): void {
  tlb.flushAll();
  const walk = new PageWalk();
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const lpn = pairs[i]!;
    const bits = pairs[i + 1]!;
    const user = (bits & TlbBit.READ_U) !== 0;
    const writeS = (bits & TlbBit.WRITE_S) !== 0;
    const canWrite = writeS || (bits & TlbBit.WRITE_U) !== 0;
    // Writable by user code only if R/W=1; supervisor-writable but not user-writable means R/W=0 with CR0.WP=0.
    const writable = user ? (bits & TlbBit.WRITE_U) !== 0 : writeS;
    walk.physical = bits & TlbBit.FRAME;
    walk.user = user ? 1 : 0;
    walk.writable = writable ? 1 : 0;
    walk.dirty = canWrite ? 1 : 0;
    walk.hostWritable = 1;
    walk.hostDirty = 1;
    walk.global = (bits & TlbBit.GLOBAL) !== 0 ? 1 : 0;
    walk.pageSize = (bits & TlbBit.LARGE) !== 0 ? PageSize.SIZE_4M : PageSize.SIZE_4K;
    tlb.fill(lpn * 0x1000, walk, writeS && !writable ? 0 : Cr0.WP, true);
  }
}

/**
 * Restores a `saveCpuState` snapshot into `cpu` (built on the same memory size and wiring).
 * The TLB gets its saved entries back (see `restoreTlb`); the engine's decoded-block
 * cache is not saved: the caller flushes it by the caller (`InterpreterEngine.flushBlocks()`), which also clears
 * `codePages`. Throws `TypeError` for a snapshot of another version or shape.
 */
export function restoreCpuState(cpu: Cpu, s: CpuSnapshot): void {
  if (s.version !== CPU_SNAPSHOT_VERSION) throw new TypeError(`snapshot: CPU state version ${s.version}, this build reads ${CPU_SNAPSHOT_VERSION}`);
  restoreFields(cpu, s.fields, 'Cpu');
  for (let seg = 0; seg < 8; seg++) updateSegFlat(cpu, seg);
  restoreFields(cpu.counters, s.counters, 'CpuCounters');
  restoreTlb(cpu.tlb, s.tlb);
}
