/** @file The processor state: registers in typed arrays, lazy EFLAGS, segment descriptor caches, CRs, descriptor-table registers, MSRs. */
import { createCounters, type CpuCounters } from '../cost/counters.ts';
import type { CostProfile } from '../cost/cost-profile.ts';
import type { ApicBaseMsr, InterruptController, IoPorts, PhysicalMemory } from './interfaces.ts';
import { ramOps, type RamOps } from './guest-ram.ts';
import { Tlb } from '@x86virt/mmu';
import type { SvmState } from '../svm/svm-state.ts';
import { createFpuState, type FpuState } from '../exec/x87/fpu-state.ts';

/** Index of the LDTR and TR caches in the segment arrays (after ES CS SS DS FS GS). */
export const SEG_LDTR = 6;
/** Index of the task register cache in the segment arrays. */
export const SEG_TR = 7;

/** CR0 bits (SDM Vol.3 §2.5). */
export const CR0 = {
  PE: 1 << 0,
  MP: 1 << 1,
  EM: 1 << 2,
  TS: 1 << 3,
  ET: 1 << 4,
  NE: 1 << 5,
  WP: 1 << 16,
  AM: 1 << 18,
  NW: 1 << 29,
  CD: 1 << 30,
  PG: 1 << 31,
} as const;

/** DR6 bits that read as 1 (SDM Vol.3 §18.2.3; DR6 = FFFF0FF0h at reset). */
export const DR6_FIXED = 0xffff0ff0 | 0;
/** DR6.BS: the #DB was a single-step trap (EFLAGS.TF). */
export const DR6_BS = 1 << 14;
/** DR7 bit 10 reads as 1 (DR7 = 400h at reset). */
export const DR7_FIXED = 0x400;

/** CR4 bits the model implements (SDM Vol.3 §2.5). */
export const CR4 = { VME: 1 << 0, PVI: 1 << 1, TSD: 1 << 2, DE: 1 << 3, PSE: 1 << 4, PGE: 1 << 7 } as const;

/**
 * Segment descriptor-cache attribute bits (`Cpu.segAttr`): descriptor bytes 5 and 6 as the
 * SDM draws them (type 0–3, S 4, DPL 5–6, P 7, AVL 12, D/B 14, G 15).
 */
export const SEG_ATTR = { TYPE: 0xf, S: 0x10, DPL: 0x60, P: 0x80, DB: 0x4000, G: 0x8000 } as const;

/** `Cpu.segFlat` bits. */
export const SEG_FLAT = { R: 1, W: 2 } as const;

/** Why the processor stopped being able to run (set together with `Cpu.shutdown`). */
export interface ShutdownInfo {
  readonly reason: string;
}

/** Events a monitor may claim before the guest sees them (the `HostSink` hook of ARCHITECTURE.md §3). */
export const EVENT_KIND = {
  /** A fault or trap raised by an instruction (#PF, #GP, #DE, …). */
  EXCEPTION: 0,
  /** INT n / INT3 / INTO (software interrupt: DPL checked against CPL). */
  SOFTWARE: 1,
  /** An external interrupt from the INTR line. */
  EXTERNAL: 2,
} as const;

/**
 * Where every exception and interrupt delivery passes first. Returning true claims the event:
 * the guest does not see it, and `run()` stops with `{ kind: 'host' }` (the instruction
 * pointer and registers stay at the faulting instruction, as for a VM exit).
 */
export type HostSink = (vector: number, errorCode: number, kind: number) => boolean;

/** Construction options of a `Cpu`. */
export interface CpuOptions {
  readonly memory: PhysicalMemory;
  readonly io: IoPorts;
  readonly intr?: InterruptController;
  /** The local APIC behind IA32_APIC_BASE and CPUID.1:EDX.APIC (absent: the processor has none). */
  readonly apic?: ApicBaseMsr | null;
  readonly cost: CostProfile;
}

/** The architectural and model state of one i686 processor. Fields are public for the executor's speed. */
export class Cpu {
  /** General-purpose registers EAX…EDI (encoding order). */
  readonly regs = new Int32Array(8);
  /** 16-bit views of the same registers (`r16[n << 1]` is the low word of register n). */
  readonly r16 = new Uint16Array(this.regs.buffer);
  /** Byte view: AL CL DL BL at `r8[n << 2]`, AH CH DH BH at `r8[(n << 2) + 1]`. */
  readonly r8 = new Uint8Array(this.regs.buffer);
  /** EIP of the current instruction (exact at faults). */
  eip = 0;
  /** EIP of the next instruction (set before a handler runs; jumps overwrite it). */
  nextEip = 0;

  /** EFLAGS bits that are not lazy (see `eflags.ts`). */
  flags = 2;
  lazyMask = 0;
  lzOp = 0;
  lzDst = 0;
  lzSrc = 0;
  lzRes = 0;
  lzSize = 4;

  /** Segment caches ES CS SS DS FS GS LDTR TR: selector, base, limit (byte granular), attributes. */
  readonly segSel = new Uint16Array(8);
  readonly segBase = new Int32Array(8);
  readonly segLimit = new Float64Array(8);
  readonly segAttr = new Int32Array(8);
  /** Fast checks: lowest valid offset, highest readable and writable offset (−1 = never). */
  readonly segLo = new Float64Array(8);
  readonly segHiR = new Float64Array(8);
  readonly segHiW = new Float64Array(8);
  /**
   * `SEG_FLAT` bits: every offset is readable (R) / writable (W) and the base is page-aligned, so an
   * access within one page passes the limit check (it cannot run past 4 GiB either): the memory fast
   * paths then skip the bounds compare.
   */
  readonly segFlat = new Uint8Array(8);

  cpl = 0;
  /** TLB entry bits the current CPL needs for a data read / write (mmu TlbBit READ_S/READ_U, WRITE_S/WRITE_U). */
  rdBit = 1;
  wrBit = 2;
  cr0 = CR0.ET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  /** CR8 = task-priority register (reached through `lock mov cr0`, AMD AltMovCr8). */
  cr8 = 0;
  /** DR0–DR7 (DR4/DR5 alias DR6/DR7); DR6 and DR7 hold their fixed bits (`DR6_FIXED`, `DR7_FIXED`). */
  readonly dr = Int32Array.of(0, 0, 0, 0, 0, 0, DR6_FIXED, DR7_FIXED);
  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0x3ff;

  /** MSRs the model implements. */
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  efer = 0;
  /** IA32_APIC_BASE when the processor has no local APIC (`apic` null): stored, no effect, CPUID shows no APIC. */
  apicBase = 0xfee00900;
  /** The local APIC (the board's chip) that IA32_APIC_BASE reaches and CPUID reports, or null. */
  apic: ApicBaseMsr | null = null;

  /** The x87 FPU (exec/x87/fpu-state.ts): a plain object of typed arrays, saved by snapshots like any field. */
  fpu: FpuState = createFpuState();
  /**
   * FERR# (CR0.NE=0 x87 error reporting): called with true when a waiting x87 instruction finds
   * a pending unmasked exception, false when ES is cleared. A PC board routes it to IRQ13.
   */
  onFerr: ((asserted: boolean) => void) | null = null;

  /** Modeled clock (cycles) and the TSC offset (TSC = cycles + tscOffset). */
  cycles = 0;
  tscOffset = 0;

  /** HLT executed and not yet woken. */
  halted = false;
  /** Interrupt shadow after STI / MOV SS / POP SS: the next instruction runs before any interrupt. */
  intShadow = false;
  /**
   * A single-step trap is due after the instruction being executed (EFLAGS.TF was set when it
   * started, SDM Vol.3 §17.3.1.4). Set by the engine; cleared by an event delivered during the
   * instruction (INT n: the handler runs with TF=0) and by MOV SS / POP SS (the trap waits one more
   * instruction, §6.8.3).
   */
  stepTrap = false;
  /** The REP string instruction just executed stopped before its last iteration (it retires later). */
  repPending = false;
  /** Set when the current block must end after this instruction (self-modifying code, mode change). */
  blockBreak = false;
  /** Set when something outside asked `run()` to return at the next instruction boundary. */
  stopRequested = false;
  /** Pending exception recorded by `raise()` (see exceptions.ts). */
  excVector = -1;
  excError = -1;
  /** Triple fault: the processor is in shutdown. */
  shutdown: ShutdownInfo | null = null;
  /** Set when a HostSink claimed an event; the engine reports it as a `host` stop. */
  hostEvent = -1;
  hostError = -1;
  hostKind = -1;

  /** Physical memory, little-endian, and an aliasing view for 16/32-bit accesses. */
  readonly ram: Uint8Array;
  readonly view: DataView;
  /** Bulk copy and fill within `ram` (REP MOVS/STOS runs), in physical addresses: `ramOps`. */
  readonly ramCopy: RamOps['copy'];
  readonly ramFill: RamOps['fill'];
  /** Per physical 4 KiB page of RAM: nonzero if decoded blocks were built from it. */
  readonly codePages: Uint8Array;
  /** Called when a write hits a code page (engine invalidation); set by the engine. */
  onCodeWrite: (phys: number, size: number) => void = () => {};
  /** The current TLB: the host's, or the guest ASID's while in SVM guest mode (svm/). */
  tlb: Tlb;
  readonly io: IoPorts;
  intr: InterruptController | null;
  readonly cost: CostProfile;
  readonly counters: CpuCounters = createCounters();
  hostSink: HostSink | null = null;

  /** SVM guest mode (AMD APM Vol.2 §15), set by `vmrun`, cleared by #VMEXIT: every intercept hook tests this first. */
  guestMode = false;
  /** Guest mode with NP_ENABLE: every translation is the 2-D walk. */
  nestedPaging = false;
  /** Intercept state while in guest mode (svm/svm-state.ts); null before SVM is attached. */
  svm: SvmState | null = null;
  /** VM_HSAVE_PA MSR (C001_0117h): where `vmrun` saves host state. */
  vmHsavePa = 0;
  /** The event being delivered when a nested exception was raised (EXITINTINFO); -1 = none. */
  intInfoVector = -1;
  intInfoError = -1;
  intInfoKind = -1;
  /**
   * A monitor's filter for slow-path physical writes (svm/: its one-instruction emulation routes
   * writes to traced page tables through it); returning true means the filter did the write.
   */
  physWriteFilter: ((phys: number, size: number, value: number) => boolean) | null = null;

  constructor(opts: CpuOptions) {
    this.ram = opts.memory.ram;
    this.view = new DataView(this.ram.buffer, this.ram.byteOffset, this.ram.byteLength);
    const ops = ramOps(opts.memory);
    this.ramCopy = ops.copy;
    this.ramFill = ops.fill;
    this.codePages = new Uint8Array((this.ram.length + 0xfff) >>> 12);
    this.io = opts.io;
    this.intr = opts.intr ?? null;
    this.apic = opts.apic ?? null;
    this.cost = opts.cost;
    const io = opts.io;
    this.tlb = new Tlb({ isRam: (base) => !io.isMmio(base) });
  }
}
