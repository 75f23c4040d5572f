/** @file System instructions: HLT, MOV CRn/DRn (CR8 via LOCK MOV CR0), CLTS, INVLPG, LGDT…STR, LLDT/LTR, SMSW/LMSW, CPUID, RDTSC, RDMSR/WRMSR, SYSENTER/SYSEXIT. */
import type { Cpu } from '../cpu/cpu.ts';
import type { ApicBaseMsr } from '../cpu/interfaces.ts';
import { CR0, CR4, DR6_FIXED, DR7_FIXED, SEG_LDTR, SEG_TR } from '../cpu/cpu.ts';
import { EFLAGS, writeEflags } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { read16, read32, sysWrite32, write16, write32 } from '../cpu/memory.ts';
import { desc, descAttr, fetchDescriptor, loadFromDesc, loadNull, setCpl, setFlat } from '../cpu/segmentation.ts';
import { PREFIX } from '../decode/instruction.ts';
import type { Insn } from './insn.ts';
import { ea, readE, setReg, writeE, type Handler } from './operands.ts';

const EAX = 0;
const ECX = 1;
const EDX = 2;
const EBX = 3;
const ESP = 4;

/** MSR numbers the model implements (SDM Vol.4). */
export const MSR = {
  TSC: 0x10,
  APIC_BASE: 0x1b,
  SYSENTER_CS: 0x174,
  SYSENTER_ESP: 0x175,
  SYSENTER_EIP: 0x176,
  EFER: 0xc0000080 | 0,
  /** VM_HSAVE_PA (AMD SVM): the host save area of VMRUN. */
  VM_HSAVE_PA: 0xc0010117 | 0,
} as const;

/** EFER bits a write may set (SVME, bit 12, is stored for the SVM extension). */
const EFER_WRITABLE = 1 << 12;

/** CPUID vendor string (12 characters, EBX EDX ECX order): ours, not a real vendor's. */
export const CPUID_VENDOR = 'x86virtCPU  ';

/**
 * CPUID.1:EDX — only what the model implements: FPU(0) PSE(3) TSC(4) MSR(5) CX8(8) SEP(11)
 * PGE(13) CMOV(15) (with FPU, CMOV also promises FCMOVcc and FCOMI, which exec/x87 has).
 * No DE, VME, PAE, MTRR, PAT, PSE-36, MMX, FXSR (FXSAVE/FXRSTOR stay #UD), SSE. APIC
 * (`CPUID_1_EDX_APIC`) is added only when the processor has a local APIC that is enabled.
 */
export const CPUID_1_EDX = (1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 11) | (1 << 13) | (1 << 15);
/**
 * CPUID.1:EDX.APIC (bit 9): set while the processor's local APIC is globally enabled
 * (IA32_APIC_BASE bit 11). SDM Vol.3 §11.4.3: with the APIC disabled in IA32_APIC_BASE the
 * processor is equivalent to one without an on-chip APIC, and the CPUID feature flag reads 0.
 */
export const CPUID_1_EDX_APIC = 1 << 9;
/** IA32_APIC_BASE bit 11: the local APIC's global enable (SDM Vol.3 §11.4.4). */
export const APIC_BASE_ENABLE = 1 << 11;
/**
 * IA32_APIC_BASE bits a WRMSR must leave 0 (else #GP(0); SDM Vol.3 §11.4.4, Figure 11-5):
 * 0–7 and 9 reserved, 10 (x2APIC enable, EXTD) since the model has no x2APIC; bits 32–63
 * (MAXPHYADDR is 32) are checked on EDX. Bit 8 (BSP) is the APIC's own and ignored on write.
 */
export const APIC_BASE_RESERVED = 0x6ff;

/** True when CPUID.1:EDX.APIC is set for a processor wired to `apic`. */
export function cpuidReportsApic(apic: ApicBaseMsr | null): boolean {
  return apic !== null && (apic.baseMsrValue & APIC_BASE_ENABLE) !== 0;
}

/** The checks of a WRMSR to IA32_APIC_BASE: false (the caller raises #GP(0)) when a reserved bit is set. */
export function apicBaseWriteValid(lo: number, hi: number): boolean {
  return (lo & APIC_BASE_RESERVED) === 0 && hi === 0;
}
/** CPUID.1:EAX — family 6, model 3, stepping 3. */
export const CPUID_1_EAX = 0x633;
/** CPUID.8000_0001h:ECX — AltMovCr8 (bit 4) and SVM (bit 2). */
export const CPUID_EXT1_ECX = (1 << 4) | (1 << 2);
/** CPUID.8000_000Ah (SVM features, APM Vol.3): EAX revision 1, EBX 16 ASIDs, EDX NP (bit 0) and NRIPS (bit 3). */
export const CPUID_SVM = { EAX: 1, EBX: 16, EDX: (1 << 0) | (1 << 3) } as const;

function vendorDword(k: number): number {
  let v = 0;
  for (let b = 0; b < 4; b++) v |= CPUID_VENDOR.charCodeAt(k * 4 + b) << (8 * b);
  return v;
}

const cpuidOut = new Int32Array(4);

function cpuid(c: Cpu): void {
  cpuidLeaf(c.regs[EAX]!, cpuidOut, c.apic);
  c.regs[EAX] = cpuidOut[0]!;
  c.regs[EBX] = cpuidOut[1]!;
  c.regs[ECX] = cpuidOut[2]!;
  c.regs[EDX] = cpuidOut[3]!;
}

/**
 * The values CPUID returns for leaf `eax` into `out` (EAX, EBX, ECX, EDX): what the silicon's
 * CPUID gives, for a monitor that intercepts CPUID and must answer exactly as bare silicon would.
 * `apic` is the processor's local APIC (null: none): leaf 1 reports it while it is enabled.
 * Leaves above the maximum return leaf 1 (Intel's rule for the basic range).
 */
export function cpuidLeaf(eax: number, out: Int32Array, apic: ApicBaseMsr | null = null): void {
  let leaf = eax >>> 0;
  if (leaf >= 0x80000000) {
    if (leaf > 0x8000000a) leaf = 1;
  } else if (leaf > 1) leaf = 1;
  let a = 0;
  let b = 0;
  let cc = 0;
  let d = 0;
  switch (leaf) {
    case 0:
      a = 1;
      b = vendorDword(0);
      d = vendorDword(1);
      cc = vendorDword(2);
      break;
    case 1:
      a = CPUID_1_EAX;
      d = CPUID_1_EDX | (cpuidReportsApic(apic) ? CPUID_1_EDX_APIC : 0);
      break;
    case 0x80000000:
      a = 0x8000000a | 0;
      b = vendorDword(0);
      d = vendorDword(1);
      cc = vendorDword(2);
      break;
    case 0x80000001:
      cc = CPUID_EXT1_ECX;
      break;
    case 0x8000000a:
      a = CPUID_SVM.EAX;
      b = CPUID_SVM.EBX;
      d = CPUID_SVM.EDX;
      break;
    default:
      break;
  }
  out[0] = a;
  out[1] = b;
  out[2] = cc;
  out[3] = d;
}

/** The time-stamp counter: the modeled clock plus the offset a WRMSR(TSC) set. */
export function readTsc(c: Cpu): number {
  return c.cycles + c.tscOffset;
}

function rdtsc(c: Cpu): void {
  if ((c.cr4 & CR4.TSD) !== 0 && c.cpl !== 0 && (c.cr0 & CR0.PE) !== 0) raise(c, VECTOR.GP, 0);
  const t = Math.floor(readTsc(c));
  c.regs[EAX] = t % 0x100000000;
  c.regs[EDX] = Math.floor(t / 0x100000000);
}

function rdmsr(c: Cpu): void {
  let lo = 0;
  let hi = 0;
  switch (c.regs[ECX]) {
    case MSR.TSC: {
      const t = Math.floor(readTsc(c));
      lo = t % 0x100000000;
      hi = Math.floor(t / 0x100000000);
      break;
    }
    case MSR.APIC_BASE:
      lo = c.apic !== null ? c.apic.baseMsrValue | 0 : c.apicBase;
      break;
    case MSR.SYSENTER_CS:
      lo = c.sysenterCs;
      break;
    case MSR.SYSENTER_ESP:
      lo = c.sysenterEsp;
      break;
    case MSR.SYSENTER_EIP:
      lo = c.sysenterEip;
      break;
    case MSR.EFER:
      lo = c.efer;
      break;
    case MSR.VM_HSAVE_PA:
      lo = c.vmHsavePa;
      break;
    default:
      raise(c, VECTOR.GP, 0);
  }
  c.regs[EAX] = lo;
  c.regs[EDX] = hi;
}

function wrmsr(c: Cpu): void {
  const lo = c.regs[EAX]!;
  const hi = c.regs[EDX]!;
  switch (c.regs[ECX]) {
    case MSR.TSC:
      c.tscOffset = (hi >>> 0) * 0x100000000 + (lo >>> 0) - c.cycles;
      return;
    case MSR.APIC_BASE:
      if (c.apic === null) {
        c.apicBase = lo;
        return;
      }
      if (!apicBaseWriteValid(lo, hi)) raise(c, VECTOR.GP, 0);
      {
        const before = c.apic.baseMsrValue;
        c.apic.writeBaseMsr(lo >>> 0);
        // The register window moved or went away: TLB entries cache "RAM or MMIO" per page.
        if ((before ^ c.apic.baseMsrValue) & (APIC_BASE_ENABLE | ~0xfff)) c.tlb.flushAll();
      }
      c.blockBreak = true;
      return;
    case MSR.SYSENTER_CS:
      c.sysenterCs = lo & 0xffff;
      return;
    case MSR.SYSENTER_ESP:
      c.sysenterEsp = lo;
      return;
    case MSR.SYSENTER_EIP:
      c.sysenterEip = lo;
      return;
    case MSR.EFER:
      if ((lo & ~EFER_WRITABLE) !== 0 || hi !== 0) raise(c, VECTOR.GP, 0);
      c.efer = lo;
      return;
    case MSR.VM_HSAVE_PA:
      // Bits 11:0 must be zero (APM Vol.2 §15.30.4); MAXPHYADDR is 32.
      if ((lo & 0xfff) !== 0 || hi !== 0) raise(c, VECTOR.GP, 0);
      c.vmHsavePa = lo;
      return;
    default:
      raise(c, VECTOR.GP, 0);
  }
}

/** MOV CR0 value check and side effects (TLB flush rules live in mmu). */
export function writeCr0(c: Cpu, v: number): void {
  if ((v & CR0.PG) !== 0 && (v & CR0.PE) === 0) raise(c, VECTOR.GP, 0);
  if ((v & CR0.NW) !== 0 && (v & CR0.CD) === 0) raise(c, VECTOR.GP, 0);
  const old = c.cr0;
  c.cr0 = (v | CR0.ET) & (CR0.PE | CR0.MP | CR0.EM | CR0.TS | CR0.ET | CR0.NE | CR0.WP | CR0.AM | CR0.NW | CR0.CD | CR0.PG);
  c.tlb.onCr0Write(old, c.cr0);
  c.blockBreak = true;
}

const CR4_VALID = CR4.VME | CR4.PVI | CR4.TSD | CR4.DE | CR4.PSE | CR4.PGE;

function movToCr(c: Cpu, i: Insn): void {
  const v = c.regs[i.rm]!;
  let n = i.reg;
  if ((i.prefixes & PREFIX.LOCK) !== 0) {
    if (n !== 0) raise(c, VECTOR.UD, -1);
    n = 8;
  }
  switch (n) {
    case 0:
      writeCr0(c, v);
      return;
    case 2:
      c.cr2 = v;
      return;
    case 3:
      c.cr3 = v;
      c.tlb.onCr3Write();
      c.blockBreak = true;
      return;
    case 4: {
      if ((v & ~CR4_VALID) !== 0) raise(c, VECTOR.GP, 0);
      const old = c.cr4;
      c.cr4 = v;
      c.tlb.onCr4Write(old, v);
      c.blockBreak = true;
      return;
    }
    case 8:
      if ((v & ~0xf) !== 0) raise(c, VECTOR.GP, 0);
      c.cr8 = v;
      c.blockBreak = true;
      return;
    default:
      raise(c, VECTOR.UD, -1);
  }
}

function movFromCr(c: Cpu, i: Insn): void {
  let n = i.reg;
  if ((i.prefixes & PREFIX.LOCK) !== 0) {
    if (n !== 0) raise(c, VECTOR.UD, -1);
    n = 8;
  }
  let v: number;
  switch (n) {
    case 0:
      v = c.cr0;
      break;
    case 2:
      v = c.cr2;
      break;
    case 3:
      v = c.cr3;
      break;
    case 4:
      v = c.cr4;
      break;
    case 8:
      v = c.cr8;
      break;
    default:
      return raise(c, VECTOR.UD, -1);
  }
  c.regs[i.rm] = v;
}

/** DR4/DR5 alias DR6/DR7 unless CR4.DE, which makes them #UD. */
function drIndex(c: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if ((c.cr4 & CR4.DE) !== 0) raise(c, VECTOR.UD, -1);
    return n + 2;
  }
  return n;
}

function requireProtected(c: Cpu): void {
  if ((c.cr0 & CR0.PE) === 0 || (c.flags & EFLAGS.VM) !== 0) raise(c, VECTOR.UD, -1);
}

function lgdt(c: Cpu, i: Insn, idt: boolean): void {
  const off = ea(c, i);
  const limit = read16(c, i.seg, off);
  let base = read32(c, i.seg, (off + 2) | 0);
  if (i.opsize === 2) base &= 0xffffff;
  if (idt) {
    c.idtrBase = base;
    c.idtrLimit = limit;
  } else {
    c.gdtrBase = base;
    c.gdtrLimit = limit;
  }
}

function sgdt(c: Cpu, i: Insn, idt: boolean): void {
  const off = ea(c, i);
  const base = idt ? c.idtrBase : c.gdtrBase;
  write16(c, i.seg, off, idt ? c.idtrLimit : c.gdtrLimit);
  write32(c, i.seg, (off + 2) | 0, i.opsize === 2 ? base & 0xffffff : base);
}

function lldt(c: Cpu, i: Insn): void {
  requireProtected(c);
  const sel = readE(c, i, 2);
  const err = sel & 0xfffc;
  if (err === 0) {
    loadNull(c, SEG_LDTR, sel);
    return;
  }
  if ((sel & 4) !== 0 || !fetchDescriptor(c, sel)) raise(c, VECTOR.GP, err);
  const attr = descAttr(desc.hi);
  if ((attr & 0x1f) !== 2) raise(c, VECTOR.GP, err);
  if ((attr & 0x80) === 0) raise(c, VECTOR.NP, err);
  loadFromDesc(c, SEG_LDTR, sel);
}

function ltr(c: Cpu, i: Insn): void {
  requireProtected(c);
  const sel = readE(c, i, 2);
  const err = sel & 0xfffc;
  if (err === 0) raise(c, VECTOR.GP, 0);
  if ((sel & 4) !== 0 || !fetchDescriptor(c, sel)) raise(c, VECTOR.GP, err);
  const attr = descAttr(desc.hi);
  const type = attr & 0x1f;
  if (type !== 9 && type !== 1) raise(c, VECTOR.GP, err);
  if ((attr & 0x80) === 0) raise(c, VECTOR.NP, err);
  desc.hi |= 0x200;
  sysWrite32(c, (desc.addr + 4) | 0, desc.hi);
  loadFromDesc(c, SEG_TR, sel);
}

function lmsw(c: Cpu, i: Insn): void {
  const v = readE(c, i, 2);
  // LMSW sets PE but never clears it (SDM Vol.2 LMSW).
  const low = (v & 0xf) | (c.cr0 & CR0.PE);
  writeCr0(c, (c.cr0 & ~0xf) | low);
}

function sysenter(c: Cpu): void {
  const cs = c.sysenterCs & 0xfffc;
  if ((c.cr0 & CR0.PE) === 0 || cs === 0) raise(c, VECTOR.GP, 0);
  writeEflags(c, 0, EFLAGS.VM | EFLAGS.IF | EFLAGS.RF);
  setFlat(c, 1, cs, true, 0);
  setFlat(c, 2, (cs + 8) & 0xffff, false, 0);
  setCpl(c, 0);
  c.regs[ESP] = c.sysenterEsp;
  c.nextEip = c.sysenterEip;
  c.blockBreak = true;
}

function sysexit(c: Cpu): void {
  const cs = c.sysenterCs & 0xfffc;
  if ((c.cr0 & CR0.PE) === 0 || cs === 0 || c.cpl !== 0) raise(c, VECTOR.GP, 0);
  setFlat(c, 1, ((cs + 16) & 0xffff) | 3, true, 3);
  setFlat(c, 2, ((cs + 24) & 0xffff) | 3, false, 3);
  setCpl(c, 3);
  c.regs[ESP] = c.regs[ECX]!;
  c.nextEip = c.regs[EDX]!;
  c.blockBreak = true;
}

function hlt(c: Cpu): void {
  c.halted = true;
  c.blockBreak = true;
}

function fwait(c: Cpu): void {
  if ((c.cr0 & (CR0.MP | CR0.TS)) === (CR0.MP | CR0.TS)) raise(c, VECTOR.NM, -1);
}

/** Handlers of this family, by `row.handler` name. */
export const SYSTEM_HANDLERS: Record<string, Handler> = {
  hlt,
  mov_RdCd: movFromCr,
  mov_CdRd: movToCr,
  mov_RdDd: (c, i) => {
    c.regs[i.rm] = c.dr[drIndex(c, i.reg)]!;
  },
  mov_DdRd: (c, i) => {
    const n = drIndex(c, i.reg);
    const v = c.regs[i.rm]!;
    // DR6/DR7 keep their fixed-1 bits (SDM Vol.3 §18.2.3–18.2.4).
    c.dr[n] = n === 6 ? v | DR6_FIXED : n === 7 ? v | DR7_FIXED : v;
  },
  clts: (c) => {
    c.cr0 &= ~CR0.TS;
  },
  invlpg_Mb: (c, i) => c.tlb.invlpg((c.segBase[i.seg]! + ea(c, i)) | 0),
  lgdt_Ms: (c, i) => lgdt(c, i, false),
  lidt_Ms: (c, i) => lgdt(c, i, true),
  sgdt_Ms: (c, i) => sgdt(c, i, false),
  sidt_Ms: (c, i) => sgdt(c, i, true),
  sldt_Ew: (c, i) => {
    requireProtected(c);
    if (i.mod === 3) setReg(c, i.rm, i.opsize, c.segSel[SEG_LDTR]!);
    else writeE(c, i, 2, c.segSel[SEG_LDTR]!);
  },
  str_Ew: (c, i) => {
    requireProtected(c);
    if (i.mod === 3) setReg(c, i.rm, i.opsize, c.segSel[SEG_TR]!);
    else writeE(c, i, 2, c.segSel[SEG_TR]!);
  },
  lldt_Ew: lldt,
  ltr_Ew: ltr,
  smsw_Ew: (c, i) => {
    if (i.mod === 3) setReg(c, i.rm, i.opsize, i.opsize === 4 ? c.cr0 : c.cr0 & 0xffff);
    else writeE(c, i, 2, c.cr0 & 0xffff);
  },
  lmsw_Ew: lmsw,
  cpuid,
  rdtsc,
  rdmsr,
  wrmsr,
  rdpmc: (c) => raise(c, VECTOR.GP, 0),
  sysenter,
  sysexit,
  invd: () => {},
  wbinvd: () => {},
  fwait,
};
