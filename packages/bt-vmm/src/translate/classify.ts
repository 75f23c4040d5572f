/** @file IDENT or not: the translator's classification of a guest kernel instruction, derived from the opcode table's flags and handlers. */
import { OPF, OPK, PREFIX, SEG, type Instruction } from '@x86virt/x86-core';
import { INSN_KIND, type InsnKind } from './ccf.ts';

/** A classification: how to translate, and for callouts the statistics category. */
export interface Classification {
  kind: InsnKind;
  callout: string;
  /** True if the TU ends after this instruction. */
  ends: boolean;
}

/** Handlers that load a segment register (the monitor must install the shadow descriptor). */
const SEGMENT_LOADS = new Set(['mov_SwEw', 'pop_ES', 'pop_SS', 'pop_DS', 'pop_FS', 'pop_GS', 'les_GvMp', 'lds_GvMp', 'lss_GvMp', 'lfs_GvMp', 'lgs_GvMp']);
/** Callout categories by handler (everything else privileged or sensitive is 'system'). */
const CATEGORY: Record<string, string> = {
  iret: 'iret', int_Ib: 'int', int3: 'int', into: 'int', int1: 'int', hlt: 'hlt', sti: 'sti', cpuid: 'cpuid',
  invlpg_Mb: 'invlpg', wrmsr: 'msr', rdmsr: 'msr', lgdt_Ms: 'desc-table', lidt_Ms: 'desc-table', lldt_Ew: 'desc-table',
  ltr_Ew: 'desc-table', mov_CdRd: 'cr-write', mov_RdCd: 'cr-read', sysenter: 'sysenter', sysexit: 'sysexit',
  jmp_Ap: 'far-branch', call_Ap: 'far-branch', jmp_Mp: 'far-branch', call_Mp: 'far-branch', retf: 'far-branch', retf_Iw: 'far-branch',
};

const out: Classification = { kind: INSN_KIND.IDENT, callout: '', ends: false };

function callout(category: string, ends: boolean): Classification {
  out.kind = INSN_KIND.CALLOUT;
  out.callout = category;
  out.ends = ends;
  return out;
}

/** True if `d` accesses memory through an explicit override of segment `seg`. */
function usesOverride(d: Instruction, seg: number): boolean {
  if ((d.prefixes & PREFIX.SEG) === 0 || d.seg !== seg) return false;
  if (d.hasMem) return true;
  return d.operands.some((o) => o.kind === OPK.STR_SRC);
}

/**
 * Classifies a decoded guest kernel instruction (32-bit code). The result object is reused.
 * `adapted` forces a callout (adaptive translation of an instruction that kept faulting).
 */
export function classify(d: Instruction, adapted: boolean): Classification {
  const f = d.row.flags;
  const h = d.row.handler;
  out.kind = INSN_KIND.IDENT;
  out.callout = '';
  out.ends = false;
  if (d.ud || (f & (OPF.UD | OPF.TOO_LONG | OPF.FPU | OPF.SVM)) !== 0) return callout('undefined', true);
  if (adapted) return callout('adapted', false);
  // %gs is the monitor's; %cs is the flat TC code segment (reaching the monitor region): the shadow vCPU uses the guest's.
  if (usesOverride(d, SEG.GS)) return callout('gs', false);
  if (usesOverride(d, SEG.CS)) return callout('cs', false);
  if ((f & OPF.BRANCH) !== 0) {
    if (d.opsize === 2 || d.adsize === 2) return callout('branch16', true);
    out.ends = true;
    switch (h) {
      case 'jcc_Jb':
      case 'jcc_Jz':
        out.kind = INSN_KIND.JCC;
        return out;
      case 'jmp_Jb':
      case 'jmp_Jz':
        out.kind = INSN_KIND.JMP;
        return out;
      case 'call_Jz':
        out.kind = INSN_KIND.CALL;
        return out;
      case 'jecxz_Jb':
      case 'loop_Jb':
      case 'loope_Jb':
      case 'loopne_Jb':
        out.kind = INSN_KIND.LOOP;
        return out;
      case 'ret':
      case 'ret_Iw':
        out.kind = INSN_KIND.RET;
        return out;
      case 'jmp_Ev':
        out.kind = INSN_KIND.JMP_IND;
        return out;
      case 'call_Ev':
        out.kind = INSN_KIND.CALL_IND;
        return out;
      default:
        return callout(CATEGORY[h] ?? 'branch', true);
    }
  }
  if (h === 'cli') {
    out.kind = INSN_KIND.CLI;
    return out;
  }
  if (h === 'pushf' && d.opsize === 4) {
    out.kind = INSN_KIND.PUSHF;
    return out;
  }
  if (h === 'popf' && d.opsize === 4) {
    out.kind = INSN_KIND.POPF;
    return out;
  }
  if (h === 'rdtsc') return out;
  // CR8 (the TPR; in 32-bit code reached through AMD's LOCK MOV CR0 encoding): in-TC, as the paper's cr8wr.
  if ((h === 'mov_CdRd' || h === 'mov_RdCd') && (d.prefixes & PREFIX.LOCK) !== 0 && d.reg === 0) {
    out.kind = h === 'mov_CdRd' ? INSN_KIND.TPR_WRITE : INSN_KIND.TPR_READ;
    return out;
  }
  if (SEGMENT_LOADS.has(h)) return callout('segment', false);
  if (h === 'mov_EvSw') return d.reg === SEG.CS || d.reg === SEG.GS ? callout('segment-read', false) : out;
  if (h === 'push_CS' || h === 'push_GS') return callout('segment-read', false);
  if (h === 'push_SS') return out;
  if ((f & OPF.IO) !== 0) return callout('io', false);
  if ((f & (OPF.PRIVILEGED | OPF.SENSITIVE)) !== 0) return callout(CATEGORY[h] ?? 'system', false);
  if (h === 'cpuid') return callout('cpuid', false);
  return out;
}
