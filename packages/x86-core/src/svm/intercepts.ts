/** @file The intercept checks the silicon's hooks call in guest mode (CR/DR, I/O through the IOPM, MSRs through the MSRPM, instructions, exceptions, nested faults): each records the exit and unwinds. */
import type { Cpu } from '../cpu/cpu.ts';
import { EVENT_KIND } from '../cpu/cpu.ts';
import { FAULT } from '../cpu/fault.ts';
import { EXIT_MARK, type SvmState } from './svm-state.ts';
import { EVENTINJ, INTERCEPT_MISC1, IOIO_INFO, VMEXIT, CR_INFO_MOV_HI } from './vmcb-layout.ts';

/** Records exit `code` with its EXITINFO1 (low, high dword) and EXITINFO2; nRIP is the next instruction. */
export function recordExit(cpu: Cpu, code: number, info1: number, info1Hi: number, info2: number): void {
  const s = cpu.svm as SvmState;
  s.exitCode = code;
  s.exitInfo1 = info1;
  s.exitInfo1Hi = info1Hi;
  s.exitInfo2 = info2;
  s.nextRip = cpu.nextEip;
  s.exitIntInfo = 0;
  s.exitIntInfoError = 0;
  s.exitPending = true;
}

/**
 * An intercepted instruction: records the exit and unwinds to the engine through the one fault
 * sentinel, with the marker vector the guest-mode sink claims (so the instruction has no effect
 * and does not retire; RIP stays on it). Never returns.
 */
export function interceptExit(cpu: Cpu, code: number, info1: number, info1Hi: number, info2: number): never {
  recordExit(cpu, code, info1, info1Hi, info2);
  cpu.excVector = EXIT_MARK;
  cpu.excError = 0;
  throw FAULT;
}

/** Intercept-vector-3 instruction check (CPUID, HLT, RDTSC, INVD, descriptor-table accesses, …). */
export function checkMisc1(cpu: Cpu, bit: number, code: number): void {
  if (((cpu.svm as SvmState).misc1 & bit) !== 0) interceptExit(cpu, code, 0, 0, 0);
}

/** Intercept-vector-4 instruction check (VMRUN, VMMCALL, WBINVD, …). */
export function checkMisc2(cpu: Cpu, bit: number, code: number): void {
  if (((cpu.svm as SvmState).misc2 & bit) !== 0) interceptExit(cpu, code, 0, 0, 0);
}

/**
 * CR access check: `n` the control register, `write`, `gpr` the MOV's register operand (−1 for
 * SMSW/LMSW/CLTS, which report no decode assist). EXITINFO1 bit 63 = MOV, bits 3:0 = GPR.
 */
export function checkCr(cpu: Cpu, n: number, write: boolean, gpr: number): void {
  const bit = 1 << (n + (write ? 16 : 0));
  if (((cpu.svm as SvmState).crIntercepts & bit) === 0) return;
  const mov = gpr >= 0;
  interceptExit(cpu, (write ? VMEXIT.CR0_WRITE : VMEXIT.CR0_READ) + n, mov ? gpr : 0, mov ? CR_INFO_MOV_HI : 0, 0);
}

/** DR access check (MOV DRn), EXITINFO1 = GPR with bit 63 set. */
export function checkDr(cpu: Cpu, n: number, write: boolean, gpr: number): void {
  const bit = 1 << (n + (write ? 16 : 0));
  if (((cpu.svm as SvmState).drIntercepts & bit) === 0) return;
  interceptExit(cpu, (write ? VMEXIT.DR0_WRITE : VMEXIT.DR0_READ) + n, gpr, CR_INFO_MOV_HI, 0);
}

/** INVLPG check: EXITINFO1 = the linear address (decode assist). */
export function checkInvlpg(cpu: Cpu, linear: number): void {
  if (((cpu.svm as SvmState).misc1 & INTERCEPT_MISC1.INVLPG) !== 0) interceptExit(cpu, VMEXIT.INVLPG, linear >>> 0, 0, 0);
}

/**
 * IN/OUT/INS/OUTS check against the IOPM (one bit per port; every port of a multi-byte access is
 * looked at, APM §15.10.1), after the processor's own IOPL/TSS checks. EXITINFO1: port, size,
 * address size, STR, REP, TYPE; EXITINFO2: the next instruction's rIP.
 */
export function checkIo(cpu: Cpu, port: number, size: number, isIn: boolean, str: boolean, rep: boolean, a32: boolean, seg: number): void {
  const s = cpu.svm as SvmState;
  if ((s.misc1 & INTERCEPT_MISC1.IOIO_PROT) === 0) return;
  const ram = cpu.ram;
  let hit = false;
  for (let p = port; p < port + size; p++) {
    const at = s.iopmBase + ((p & 0xffff) >>> 3);
    if (at < ram.length && ((ram[at]! >> (p & 7)) & 1) !== 0) hit = true;
  }
  if (!hit) return;
  let info = ((port & 0xffff) << IOIO_INFO.PORT_SHIFT) >>> 0;
  if (isIn) info |= IOIO_INFO.IN;
  if (str) info |= IOIO_INFO.STR | (((seg & 7) << IOIO_INFO.SEG_SHIFT));
  if (rep) info |= IOIO_INFO.REP;
  info |= size === 1 ? IOIO_INFO.SZ8 : size === 2 ? IOIO_INFO.SZ16 : IOIO_INFO.SZ32;
  info |= a32 ? IOIO_INFO.A32 : IOIO_INFO.A16;
  interceptExit(cpu, VMEXIT.IOIO, info >>> 0, 0, cpu.nextEip >>> 0);
}

/**
 * RDMSR/WRMSR check against the MSRPM (two bits per MSR, read then write, for 0–1FFFh,
 * C000_0000h–C000_1FFFh, C001_0000h–C001_1FFFh; any other MSR always exits). EXITINFO1 = 0 read, 1 write.
 */
export function checkMsr(cpu: Cpu, msr: number, write: boolean): void {
  const s = cpu.svm as SvmState;
  if ((s.misc1 & INTERCEPT_MISC1.MSR_PROT) === 0) return;
  const m = msr >>> 0;
  let base = -1;
  if (m <= 0x1fff) base = 0;
  else if (m >= 0xc0000000 && m <= 0xc0001fff) base = 0x800;
  else if (m >= 0xc0010000 && m <= 0xc0011fff) base = 0x1000;
  let hit = true;
  if (base >= 0) {
    const bit = (m & 0x1fff) * 2 + (write ? 1 : 0);
    const at = s.msrpmBase + base + (bit >>> 3);
    hit = at < cpu.ram.length && ((cpu.ram[at]! >> (bit & 7)) & 1) !== 0;
  }
  if (hit) interceptExit(cpu, VMEXIT.MSR, write ? 1 : 0, 0, 0);
}

/**
 * The guest-mode HostSink: claims the marker of an intercepted instruction, and exceptions whose
 * vector is intercepted (EXITINFO1 = error code, EXITINFO2 = the faulting address for #PF; if the
 * exception arose while another event was being delivered, EXITINTINFO = that event).
 */
export function guestSink(cpu: Cpu, vector: number, errorCode: number, kind: number): boolean {
  if (vector === EXIT_MARK) return true;
  const s = cpu.svm as SvmState;
  if (s.injecting) {
    s.injecting = false;
    return false;
  }
  if (kind === EVENT_KIND.SOFTWARE) {
    if ((s.misc1 & INTERCEPT_MISC1.INTN) === 0) return false;
    recordExit(cpu, VMEXIT.SWINT, vector, 0, 0);
    noteIntInfo(cpu, s);
    return true;
  }
  if (kind !== EVENT_KIND.EXCEPTION || vector > 31 || ((s.exceptionIntercepts >>> vector) & 1) === 0) return false;
  recordExit(cpu, VMEXIT.EXCP_BASE + vector, errorCode >= 0 ? errorCode >>> 0 : 0, 0, vector === 14 ? s.pfAddress >>> 0 : 0);
  s.nextRip = 0;
  noteIntInfo(cpu, s);
  return true;
}

/** EXITINTINFO from the event whose delivery raised the intercepted one (`Cpu.intInfo*`). */
function noteIntInfo(cpu: Cpu, s: SvmState): void {
  const v = cpu.intInfoVector;
  if (v < 0 || v > 255) return;
  const k = cpu.intInfoKind;
  const type = k === EVENT_KIND.EXTERNAL ? EVENTINJ.TYPE_INTR : k === EVENT_KIND.SOFTWARE ? EVENTINJ.TYPE_SOFT_INT : EVENTINJ.TYPE_EXCEPTION;
  let info = EVENTINJ.V | (type << EVENTINJ.TYPE_SHIFT) | v;
  if (k === EVENT_KIND.EXCEPTION && cpu.intInfoError >= 0) {
    info |= EVENTINJ.EV;
    s.exitIntInfoError = cpu.intInfoError;
  }
  s.exitIntInfo = info;
}

/**
 * The paging hook for a failed translation in guest mode: a nested fault becomes #VMEXIT(NPF)
 * (EXITINFO1 = error code | bit 32/33, EXITINFO2 = the guest-physical address); a guest #PF
 * that is intercepted keeps CR2 unchanged and reports the address as EXITINFO2. Returns true if
 * CR2 must not be written (the caller then raises #PF as usual).
 */
export function guestTranslationFault(cpu: Cpu, result: number, linear: number, faultAddress: number): boolean {
  const s = cpu.svm as SvmState;
  const code = ~result;
  if ((code & 0x30000) !== 0) {
    interceptExit(cpu, VMEXIT.NPF, code & 0xffff, (code >>> 16) & 3, faultAddress >>> 0);
  }
  if ((s.exceptionIntercepts & (1 << 14)) === 0) return false;
  s.pfAddress = linear;
  return true;
}
