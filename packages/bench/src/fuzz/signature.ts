/** @file A divergence's signature: which part of what the guest can see differs (the dump's section and fields, the final-state fields), so that the minimiser keeps one kind of divergence while it shrinks. */
import type { ArchState } from '@x86virt/x86-core';

/** Columns of a phase record line of the dump (harness.ts: registers, EFLAGS, selectors, CR0, padding). */
const RECORD_COLUMNS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eflags', 'es', 'ds', 'fs', 'gs', 'ss', 'cr0', 'pad'] as const;
/** Columns of the exception-count line and of an exception-log line. */
const COUNT_COLUMNS = ['count', 'fatal'] as const;
const LOG_COLUMNS = ['vector', 'error', 'eip', 'cr2'] as const;
/** Columns of the memory-hash line: the running hash after each region (harness.ts `hashedRegions`). */
const HASH_COLUMNS = ['H', 'frames', 'big-window', 'page-tables', 'user-stack', 'kernel-stacks'] as const;
/** Lines of the exception log in the dump. */
const LOG_LINES = 32;

/** The final-state fields, in the order `ArchState` lists them. */
const STATE_FIELDS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cpl', 'cr0', 'cr2', 'cr3', 'cr4'] as const;

/** Names of the final-state fields that differ (`seg` for any selector), comma-separated. */
export function stateSignature(ref: ArchState, run: ArchState): string {
  const out: string[] = STATE_FIELDS.filter((f) => ref[f] >>> 0 !== run[f] >>> 0);
  if (ref.segments.join() !== run.segments.join()) out.push('seg');
  return `state:${out.join(',')}`;
}

/** Names of the whitespace-separated columns that differ between two lines. */
function differingColumns(a: string, b: string, names: readonly string[]): string[] {
  const ca = a.trim().split(/\s+/);
  const cb = b.trim().split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) if (ca[i] !== cb[i]) out.push(names[i] ?? `col${i}`);
  return out;
}

/**
 * The signature of a serial difference: the dump's section of the first differing line (phase
 * record, exception count, exception log, memory hash) and the fields that differ in it; for a
 * different exception count, also the first differing log entry (its fields and both vectors).
 * A transcript that is not a complete dump gives `serial:other`.
 */
export function serialSignature(ref: string, run: string): string {
  const la = ref.split('\n');
  const lb = run.split('\n');
  const hashAt = la.findIndex((l) => l.startsWith('H '));
  const countAt = hashAt - LOG_LINES - 1;
  if (hashAt < 0 || countAt < 0) return 'serial:other';
  const first = la.findIndex((l, i) => l !== lb[i]);
  if (first < 0 || first > hashAt) return 'serial:other';
  const a = la[first] as string;
  const b = lb[first] ?? '';
  if (first < countAt) return `serial:record:${differingColumns(a, b, RECORD_COLUMNS).join(',')}`;
  if (first === hashAt) return `serial:hash:${differingColumns(a, b, HASH_COLUMNS)[0] ?? ''}`;
  if (first > countAt) return `serial:log:${differingColumns(a, b, LOG_COLUMNS).join(',')}`;
  const cols = differingColumns(a, b, COUNT_COLUMNS);
  const more = Number.parseInt(b.trim().split(/\s+/)[0] ?? '0', 16) > Number.parseInt(a.trim().split(/\s+/)[0] ?? '0', 16);
  let log = '';
  for (let i = countAt + 1; i < hashAt; i++) {
    if (la[i] !== lb[i]) {
      const va = (la[i] as string).trim().split(/\s+/)[0];
      const vb = (lb[i] ?? '').trim().split(/\s+/)[0];
      log = `:log:${differingColumns(la[i] as string, lb[i] ?? '', LOG_COLUMNS).join(',')}:${va}|${vb}`;
      break;
    }
  }
  return `serial:count:${cols.join(',')}:${more ? 'more' : 'fewer'}${log}`;
}
