/** @file The VMCB layout of AMD APM Vol.2 Appendix B (control area at 0x000, state-save area at 0x400) as named offsets with widths, and the SVM constants (exit codes, intercept bits, EVENTINJ). */

/** One VMCB field: byte offset from the VMCB start and width in bytes. */
export interface VmcbField {
  readonly offset: number;
  readonly bytes: 1 | 2 | 4 | 8;
}

function f(offset: number, bytes: 1 | 2 | 4 | 8): VmcbField {
  return { offset, bytes };
}

/** Size of a VMCB (one 4 KiB page, 4 KiB aligned). */
export const VMCB_SIZE = 0x1000;
/** Offset of the state-save area. */
export const VMCB_SAVE_AREA = 0x400;

/**
 * VMCB fields (APM Vol.2 Table B-1 control area, Table B-2 state-save area). Segment
 * registers are 16-byte records (selector, attrib, limit, base) at `VMCB_SEGMENT`.
 */
export const VMCB = {
  /** Intercept reads of CR0–15 (bits 15:0) and writes (bits 31:16). */
  INTERCEPT_CR: f(0x000, 4),
  /** Intercept reads of DR0–15 (bits 15:0) and writes (bits 31:16). */
  INTERCEPT_DR: f(0x004, 4),
  /** Intercept exception vector n (bit n). */
  INTERCEPT_EXCEPTIONS: f(0x008, 4),
  /** Intercept vector 3: INTR, NMI, …, shutdown (`INTERCEPT_MISC1`). */
  INTERCEPT_MISC1: f(0x00c, 4),
  /** Intercept vector 4: VMRUN, VMMCALL, … (`INTERCEPT_MISC2`). */
  INTERCEPT_MISC2: f(0x010, 4),
  PAUSE_FILTER_THRESHOLD: f(0x03c, 2),
  PAUSE_FILTER_COUNT: f(0x03e, 2),
  /** Physical base of the 12 KiB I/O permission map. */
  IOPM_BASE_PA: f(0x040, 8),
  /** Physical base of the 8 KiB MSR permission map. */
  MSRPM_BASE_PA: f(0x048, 8),
  /** Added to the TSC in guest mode. */
  TSC_OFFSET: f(0x050, 8),
  GUEST_ASID: f(0x058, 4),
  /** `TlbControl` of mmu: 0 nothing, 1 all, 3 this ASID, 7 this ASID's non-global entries. */
  TLB_CONTROL: f(0x05c, 1),
  /** V_TPR (bits 7:0), V_IRQ (bit 8), V_INTR_PRIO (19:16), V_IGN_TPR (20), V_INTR_MASKING (24). */
  V_INTR: f(0x060, 4),
  /** V_INTR_VECTOR (bits 39:32 of the quadword at 0x060). */
  V_INTR_VECTOR: f(0x064, 1),
  /** INTERRUPT_SHADOW (bit 0), GUEST_INTERRUPT_MASK (bit 1). */
  INTERRUPT_SHADOW: f(0x068, 8),
  EXITCODE: f(0x070, 8),
  EXITINFO1: f(0x078, 8),
  EXITINFO2: f(0x080, 8),
  EXITINTINFO: f(0x088, 8),
  /** NP_ENABLE (bit 0). */
  NP_ENABLE: f(0x090, 8),
  /** Event injected by the next VMRUN (EVENTINJ format). */
  EVENTINJ: f(0x0a8, 8),
  /** Nested page table root (host-physical). */
  N_CR3: f(0x0b0, 8),
  LBR_VIRTUALIZATION_ENABLE: f(0x0b8, 8),
  VMCB_CLEAN: f(0x0c0, 4),
  /** Next sequential rIP of an intercepted instruction (NRIP save). */
  NRIP: f(0x0c8, 8),
  GUEST_INSN_BYTES_COUNT: f(0x0d0, 1),
  GUEST_INSN_BYTES: f(0x0d1, 1),

  // State-save area (APM Table B-2, offsets from the VMCB start).
  CPL: f(0x4cb, 1),
  EFER: f(0x4d0, 8),
  CR4: f(0x548, 8),
  CR3: f(0x550, 8),
  CR0: f(0x558, 8),
  DR7: f(0x560, 8),
  DR6: f(0x568, 8),
  RFLAGS: f(0x570, 8),
  RIP: f(0x578, 8),
  RSP: f(0x5d8, 8),
  RAX: f(0x5f8, 8),
  STAR: f(0x600, 8),
  LSTAR: f(0x608, 8),
  CSTAR: f(0x610, 8),
  SFMASK: f(0x618, 8),
  KERNEL_GS_BASE: f(0x620, 8),
  SYSENTER_CS: f(0x628, 8),
  SYSENTER_ESP: f(0x630, 8),
  SYSENTER_EIP: f(0x638, 8),
  CR2: f(0x640, 8),
  G_PAT: f(0x668, 8),
  DBGCTL: f(0x670, 8),
} as const;

/** Offsets of the 16-byte segment records in the state-save area (APM Table B-2). */
export const VMCB_SEGMENT = {
  ES: 0x400,
  CS: 0x410,
  SS: 0x420,
  DS: 0x430,
  FS: 0x440,
  GS: 0x450,
  GDTR: 0x460,
  LDTR: 0x470,
  IDTR: 0x480,
  TR: 0x490,
} as const;

/** Layout of one segment record: selector (2), attrib (2), limit (4), base (8). */
export const VMCB_SEG_FIELD = { SELECTOR: 0, ATTRIB: 2, LIMIT: 4, BASE: 8 } as const;

/** End of the state-save area this model uses (bytes 0x400 … 0x698). */
export const VMCB_SAVE_AREA_END = 0x698;

/** Exit codes (APM Vol.2 Appendix C). CR/DR/exception codes are bases: add the register or vector. */
export const VMEXIT = {
  CR0_READ: 0x00,
  CR0_WRITE: 0x10,
  DR0_READ: 0x20,
  DR0_WRITE: 0x30,
  EXCP_BASE: 0x40,
  INTR: 0x60,
  NMI: 0x61,
  SMI: 0x62,
  INIT: 0x63,
  VINTR: 0x64,
  CR0_SEL_WRITE: 0x65,
  IDTR_READ: 0x66,
  GDTR_READ: 0x67,
  LDTR_READ: 0x68,
  TR_READ: 0x69,
  IDTR_WRITE: 0x6a,
  GDTR_WRITE: 0x6b,
  LDTR_WRITE: 0x6c,
  TR_WRITE: 0x6d,
  RDTSC: 0x6e,
  RDPMC: 0x6f,
  PUSHF: 0x70,
  POPF: 0x71,
  CPUID: 0x72,
  RSM: 0x73,
  IRET: 0x74,
  SWINT: 0x75,
  INVD: 0x76,
  PAUSE: 0x77,
  HLT: 0x78,
  INVLPG: 0x79,
  INVLPGA: 0x7a,
  IOIO: 0x7b,
  MSR: 0x7c,
  TASK_SWITCH: 0x7d,
  FERR_FREEZE: 0x7e,
  SHUTDOWN: 0x7f,
  VMRUN: 0x80,
  VMMCALL: 0x81,
  VMLOAD: 0x82,
  VMSAVE: 0x83,
  STGI: 0x84,
  CLGI: 0x85,
  SKINIT: 0x86,
  RDTSCP: 0x87,
  ICEBP: 0x88,
  WBINVD: 0x89,
  MONITOR: 0x8a,
  MWAIT: 0x8b,
  MWAIT_CONDITIONAL: 0x8c,
  NPF: 0x400,
  /** Invalid guest state (consistency checks failed); EXITCODE holds −1. */
  INVALID: -1,
} as const;

/** Bits of intercept vector 3 (`VMCB.INTERCEPT_MISC1`). */
export const INTERCEPT_MISC1 = {
  INTR: 1 << 0,
  NMI: 1 << 1,
  SMI: 1 << 2,
  INIT: 1 << 3,
  VINTR: 1 << 4,
  CR0_SEL_WRITE: 1 << 5,
  IDTR_READ: 1 << 6,
  GDTR_READ: 1 << 7,
  LDTR_READ: 1 << 8,
  TR_READ: 1 << 9,
  IDTR_WRITE: 1 << 10,
  GDTR_WRITE: 1 << 11,
  LDTR_WRITE: 1 << 12,
  TR_WRITE: 1 << 13,
  RDTSC: 1 << 14,
  RDPMC: 1 << 15,
  PUSHF: 1 << 16,
  POPF: 1 << 17,
  CPUID: 1 << 18,
  RSM: 1 << 19,
  IRET: 1 << 20,
  INTN: 1 << 21,
  INVD: 1 << 22,
  PAUSE: 1 << 23,
  HLT: 1 << 24,
  INVLPG: 1 << 25,
  INVLPGA: 1 << 26,
  IOIO_PROT: 1 << 27,
  MSR_PROT: 1 << 28,
  TASK_SWITCH: 1 << 29,
  FERR_FREEZE: 1 << 30,
  SHUTDOWN: 1 << 31,
} as const;

/** Bits of intercept vector 4 (`VMCB.INTERCEPT_MISC2`). */
export const INTERCEPT_MISC2 = {
  VMRUN: 1 << 0,
  VMMCALL: 1 << 1,
  VMLOAD: 1 << 2,
  VMSAVE: 1 << 3,
  STGI: 1 << 4,
  CLGI: 1 << 5,
  SKINIT: 1 << 6,
  RDTSCP: 1 << 7,
  ICEBP: 1 << 8,
  WBINVD: 1 << 9,
  MONITOR: 1 << 10,
  MWAIT: 1 << 11,
  MWAIT_CONDITIONAL: 1 << 12,
} as const;

/** EVENTINJ / EXITINTINFO format (APM §15.20): vector 7:0, TYPE 10:8, EV 11, V 31, error code 63:32. */
export const EVENTINJ = {
  VECTOR_MASK: 0xff,
  TYPE_SHIFT: 8,
  TYPE_INTR: 0,
  TYPE_NMI: 2,
  TYPE_EXCEPTION: 3,
  TYPE_SOFT_INT: 4,
  /** Error code valid. */
  EV: 1 << 11,
  /** Valid. */
  V: 1 << 31,
} as const;

/** V_INTR field bits (`VMCB.V_INTR`). */
export const V_INTR = {
  TPR_MASK: 0xff,
  IRQ: 1 << 8,
  PRIO_SHIFT: 16,
  IGN_TPR: 1 << 20,
  INTR_MASKING: 1 << 24,
} as const;

/** IOIO EXITINFO1 bits (APM §15.10.2): TYPE (1 = IN), STR, REP, SZ8/16/32, A16/A32/A64, port in 31:16. */
export const IOIO_INFO = {
  IN: 1 << 0,
  STR: 1 << 2,
  REP: 1 << 3,
  SZ8: 1 << 4,
  SZ16: 1 << 5,
  SZ32: 1 << 6,
  A16: 1 << 7,
  A32: 1 << 8,
  A64: 1 << 9,
  SEG_SHIFT: 10,
  PORT_SHIFT: 16,
} as const;

/**
 * Decode-assist EXITINFO1 of a CRx/DRx intercept: bit 63 set for MOV (here: bit 31 of the high
 * dword, since a 64-bit value is read as two dwords), GPR number in bits 3:0.
 */
export const CR_INFO_MOV_HI = 1 << 31;

/** EFER.SVME (bit 12): SVM enabled. */
export const EFER_SVME = 1 << 12;

/** The VM_HSAVE_PA MSR: physical address of the host save area. */
export const MSR_VM_HSAVE_PA = 0xc0010117 | 0;

/** Sizes of the permission maps. */
export const IOPM_BYTES = 0x3000;
/** Size of the MSR permission map. */
export const MSRPM_BYTES = 0x2000;
