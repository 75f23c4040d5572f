/** @file Instruction intercepts of guest mode put in front of the system handlers (MOV CR/DR, SMSW/LMSW/CLTS, INVLPG, CPUID, HLT, MSRs, RDTSC, descriptor tables, INVD/WBINVD) and the SVM instructions themselves. */
import type { Cpu } from '../cpu/cpu.ts';
import { EFER_SVME, INTERCEPT_MISC1, INTERCEPT_MISC2, VMEXIT } from './vmcb-layout.ts';
import { checkCr, checkDr, checkInvlpg, checkMisc1, checkMisc2, checkMsr } from './intercepts.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { PREFIX } from '../decode/instruction.ts';
import type { Insn } from '../exec/insn.ts';
import { ea, type Handler } from '../exec/operands.ts';

type Check = (c: Cpu, i: Insn) => void;

/** CR number of a MOV CR (LOCK MOV CR0 is CR8, AMD AltMovCr8). */
function crNumber(i: Insn): number {
  return (i.prefixes & PREFIX.LOCK) !== 0 ? 8 : i.reg;
}

const misc1 = (bit: number, code: number): Check => (c) => checkMisc1(c, bit, code);

/** The intercept check of each system handler that has one, by `row.handler` name. */
const CHECKS: Readonly<Record<string, Check>> = {
  mov_RdCd: (c, i) => checkCr(c, crNumber(i), false, i.rm),
  mov_CdRd: (c, i) => checkCr(c, crNumber(i), true, i.rm),
  smsw_Ew: (c) => checkCr(c, 0, false, -1),
  lmsw_Ew: (c) => checkCr(c, 0, true, -1),
  clts: (c) => checkCr(c, 0, true, -1),
  mov_RdDd: (c, i) => checkDr(c, i.reg, false, i.rm),
  mov_DdRd: (c, i) => checkDr(c, i.reg, true, i.rm),
  invlpg_Mb: (c, i) => checkInvlpg(c, (c.segBase[i.seg]! + ea(c, i)) | 0),
  cpuid: misc1(INTERCEPT_MISC1.CPUID, VMEXIT.CPUID),
  hlt: misc1(INTERCEPT_MISC1.HLT, VMEXIT.HLT),
  rdtsc: misc1(INTERCEPT_MISC1.RDTSC, VMEXIT.RDTSC),
  rdpmc: misc1(INTERCEPT_MISC1.RDPMC, VMEXIT.RDPMC),
  invd: misc1(INTERCEPT_MISC1.INVD, VMEXIT.INVD),
  wbinvd: (c) => checkMisc2(c, INTERCEPT_MISC2.WBINVD, VMEXIT.WBINVD),
  rdmsr: (c) => checkMsr(c, c.regs[1]!, false),
  wrmsr: (c) => checkMsr(c, c.regs[1]!, true),
  sidt_Ms: misc1(INTERCEPT_MISC1.IDTR_READ, VMEXIT.IDTR_READ),
  sgdt_Ms: misc1(INTERCEPT_MISC1.GDTR_READ, VMEXIT.GDTR_READ),
  sldt_Ew: misc1(INTERCEPT_MISC1.LDTR_READ, VMEXIT.LDTR_READ),
  str_Ew: misc1(INTERCEPT_MISC1.TR_READ, VMEXIT.TR_READ),
  lidt_Ms: misc1(INTERCEPT_MISC1.IDTR_WRITE, VMEXIT.IDTR_WRITE),
  lgdt_Ms: misc1(INTERCEPT_MISC1.GDTR_WRITE, VMEXIT.GDTR_WRITE),
  lldt_Ew: misc1(INTERCEPT_MISC1.LDTR_WRITE, VMEXIT.LDTR_WRITE),
  ltr_Ew: misc1(INTERCEPT_MISC1.TR_WRITE, VMEXIT.TR_WRITE),
};

/**
 * The handlers of `handlers` with their guest-mode intercept check in front (outside guest mode
 * the cost is one boolean test). The check runs after the privilege wrapper (#GP at CPL > 0 comes
 * first) and before the instruction's own operand checks, as the APM orders them.
 */
export function withInterceptChecks(handlers: Readonly<Record<string, Handler>>): Record<string, Handler> {
  const out: Record<string, Handler> = {};
  for (const [name, h] of Object.entries(handlers)) {
    const check = CHECKS[name];
    out[name] =
      check === undefined
        ? h
        : (c, i) => {
            if (c.guestMode) check(c, i);
            h(c, i);
          };
  }
  return out;
}

/** Intercept bit and exit code of each SVM instruction, by `row.handler` name. */
const SVM_INSNS: Readonly<Record<string, readonly [number, number, boolean]>> = {
  vmrun: [INTERCEPT_MISC2.VMRUN, VMEXIT.VMRUN, true],
  vmmcall: [INTERCEPT_MISC2.VMMCALL, VMEXIT.VMMCALL, false],
  vmload: [INTERCEPT_MISC2.VMLOAD, VMEXIT.VMLOAD, true],
  vmsave: [INTERCEPT_MISC2.VMSAVE, VMEXIT.VMSAVE, true],
  stgi: [INTERCEPT_MISC2.STGI, VMEXIT.STGI, true],
  clgi: [INTERCEPT_MISC2.CLGI, VMEXIT.CLGI, true],
  skinit: [INTERCEPT_MISC2.SKINIT, VMEXIT.SKINIT, true],
};

/**
 * The handler of an SVM instruction row: #UD with EFER.SVME=0 (VMMCALL: #UD unless intercepted),
 * #GP(0) at CPL > 0 for the privileged ones, then the intercept. Executed by a guest without the
 * intercept (or by the host, whose monitor is TypeScript and calls `Svm.vmrun` instead) they raise
 * #UD: the model runs no nested hypervisor.
 */
export function svmInstructionHandler(name: string): Handler {
  const [bit, code, privileged] = SVM_INSNS[name] ?? [0, VMEXIT.INVLPGA, true];
  return (c) => {
    if (privileged) {
      if ((c.efer & EFER_SVME) === 0) raise(c, VECTOR.UD, -1);
      if (c.cpl !== 0) raise(c, VECTOR.GP, 0);
    }
    if (c.guestMode) {
      if (name === 'invlpga') checkMisc1(c, INTERCEPT_MISC1.INVLPGA, VMEXIT.INVLPGA);
      else checkMisc2(c, bit, code);
    }
    raise(c, VECTOR.UD, -1);
  };
}
