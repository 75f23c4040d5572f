/** @file Runs one fuzz program in every mode and compares what the guest can see: serial dump (registers, exception log, memory hash), stop, final state. */
import type { CostProfile } from '@x86virt/x86-core';
import type { Mode } from '../paper.ts';
import type { GuestRun } from '../machine/guest-run.ts';
import { runGuest } from '../machine/run-guest.ts';
import { buildFuzzImage } from './harness.ts';
import { serialSignature, stateSignature } from './signature.ts';
import type { FuzzProgram } from './program.ts';

/**
 * Instruction budget of one fuzz run: a program's dump ends after about 170 000 instructions, so
 * three times that leaves room and only bounds runaway guests (a kernel that left protected mode
 * and runs whatever memory holds), whose every instruction may be an emulation step under hw.
 */
export const FUZZ_MAX_INSNS = 500_000;

/** What one mode made of a case: its transcript, or the host exception it threw. */
export type ModeOutcome =
  | { readonly mode: Mode; readonly kind: 'ran'; readonly run: GuestRun; readonly transcript: string; readonly state: string }
  | { readonly mode: Mode; readonly kind: 'threw'; readonly message: string };

/** A difference between a mode and the reference mode (the first one, native). */
export interface Divergence {
  readonly mode: Mode;
  /** What differs: `host-exception`, `stop`, `serial`, `state`. */
  readonly what: string;
  /** One line: the first differing line or field, reference vs this mode. */
  readonly detail: string;
  /**
   * Which part differs (`signature.ts`: `what`, the dump's section and fields, or the final-state
   * fields; the stop kinds; the host error's name): what the minimiser keeps while it shrinks.
   * Absent in regression files saved before it existed.
   */
  readonly signature?: string;
}

/** The result of one case. */
export interface CaseResult {
  readonly outcomes: readonly ModeOutcome[];
  readonly divergences: readonly Divergence[];
  /** Guest instructions the reference mode retired. */
  readonly instructions: number;
}

/** How a run ended, as the guest sees it (a shutdown's reason text is the monitor's wording, not compared). */
function stopOf(r: GuestRun): string {
  return r.stop.kind === 'exit' ? `exit ${r.stop.code}` : r.stop.kind;
}

/** Everything about a run that the guest's instructions determine (not counts, not cycles). */
function transcriptOf(r: GuestRun): string {
  return `${r.serial}stop=${stopOf(r)}\n`;
}

/** The final architectural state as one line. */
function stateOf(r: GuestRun): string {
  const a = r.arch;
  const regs = [a.eax, a.ecx, a.edx, a.ebx, a.esp, a.ebp, a.esi, a.edi, a.eip, a.eflags, a.cr0, a.cr2, a.cr3, a.cr4].map((v) => v.toString(16));
  return `state=${regs.join(' ')} cpl=${a.cpl} seg=${a.segments.join(',')}`;
}

/** Runs `image` in one mode; a host exception becomes an outcome, never escapes. */
export function runMode(mode: Mode, image: Uint8Array, profile: CostProfile, maxInsns = FUZZ_MAX_INSNS): ModeOutcome {
  try {
    const run = runGuest(mode, image, profile, { maxInsns, memMiB: 16 });
    return { mode, kind: 'ran', run, transcript: transcriptOf(run), state: stateOf(run) };
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { mode, kind: 'threw', message: message.split('\n')[0] as string };
  }
}

/** The first line where two transcripts differ, shown as `line N: A | B`. */
function firstDifference(a: string, b: string): { what: string; detail: string } {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) {
      const x = la[i] ?? '<end>';
      const what = x.startsWith('stop=') ? 'stop' : x.startsWith('state=') ? 'state' : 'serial';
      return { what, detail: `line ${i + 1}: ${x} | ${lb[i] ?? '<end>'}` };
    }
  }
  return { what: 'serial', detail: 'identical' };
}

/**
 * Compares the outcomes of one case against the first (reference) mode: the stop, then the
 * transcript, then the final state, except after a budget stop: modes retire different
 * instruction counts for the same guest (the monitors emulate intercepted instructions without
 * the silicon retiring them; bt's translations retire their own), so where a run is cut off by
 * its budget is not the same guest instruction in every mode.
 */
export function compareOutcomes(outcomes: readonly ModeOutcome[]): Divergence[] {
  const out: Divergence[] = [];
  const ref = outcomes[0];
  if (ref === undefined) return out;
  for (const o of outcomes) {
    if (o.kind === 'threw') {
      out.push({ mode: o.mode, what: 'host-exception', detail: o.message, signature: `host-exception:${o.message.split(':')[0]}` });
      continue;
    }
    if (o === ref || ref.kind !== 'ran') continue;
    if (stopOf(o.run) !== stopOf(ref.run)) out.push({ mode: o.mode, what: 'stop', detail: `${stopOf(ref.run)} | ${stopOf(o.run)}`, signature: `stop:${ref.run.stop.kind}|${o.run.stop.kind}` });
    else if (o.transcript !== ref.transcript) {
      const d = firstDifference(ref.transcript, o.transcript);
      out.push({ mode: o.mode, ...d, signature: d.what === 'serial' ? serialSignature(ref.transcript, o.transcript) : `${d.what}:other` });
    } else if (o.state !== ref.state && o.run.stop.kind !== 'budget') out.push({ mode: o.mode, what: 'state', detail: `${ref.state} | ${o.state}`, signature: stateSignature(ref.run.arch, o.run.arch) });
  }
  return out;
}

/** Builds `program` and runs it in `modes` (the first is the reference). */
export function runCase(program: FuzzProgram, modes: readonly Mode[], profile: CostProfile): CaseResult {
  const image = buildFuzzImage(program);
  const outcomes = modes.map((m) => runMode(m, image, profile));
  const ref = outcomes[0];
  return { outcomes, divergences: compareOutcomes(outcomes), instructions: ref?.kind === 'ran' ? ref.run.instructions : 0 };
}
