/** @file Compiled code fragments, the plan a translation unit becomes, and callout sites: the translation cache's records. */

/** How one guest instruction was translated. */
export const INSN_KIND = {
  /** Copied unchanged. */
  IDENT: 'IDENT',
  /** Conditional jump: jcc to the taken continuation, jmp to the fall-through one. */
  JCC: 'JCC',
  /** Direct jump: a jmp to the continuation (or chained CCF). */
  JMP: 'JMP',
  /** Direct call: push of the guest return address, jmp to the continuation. */
  CALL: 'CALL',
  /** jecxz / loop / loope / loopne: the rel8 form re-targeted at two local jmps. */
  LOOP: 'LOOP',
  /** ret / ret imm16: pop into a scratch register, inline target-cache lookup through %gs. */
  RET: 'RET',
  /** jmp r/m: load the target, inline target-cache lookup. */
  JMP_IND: 'JMP_IND',
  /** call r/m: load the target, push the return address, inline target-cache lookup. */
  CALL_IND: 'CALL_IND',
  /** cli: a store of 0 to the virtual IF. */
  CLI: 'CLI',
  /** pushf: pushes the guest's view (virtual IF and IOPL). */
  PUSHF: 'PUSHF',
  /** popf: sets the virtual IF/IOPL, then checks for a pending virtual interrupt. */
  POPF: 'POPF',
  /** mov to CR8 (the TPR): a store to the virtual TPR; a reserved-bit value goes to the monitor (#GP). */
  TPR_WRITE: 'TPR_WRITE',
  /** mov from CR8: a load of the virtual TPR. */
  TPR_READ: 'TPR_READ',
  /** A callout: the monitor emulates the instruction on the shadow vCPU. */
  CALLOUT: 'CALLOUT',
} as const;
/** One of `INSN_KIND`'s values. */
export type InsnKind = (typeof INSN_KIND)[keyof typeof INSN_KIND];

/** Why a site leaves the translation cache. */
export const SITE_KIND = {
  /** A continuation stub: translate the guest target, then chain the jump that reached it. */
  CONTINUATION: 0,
  /** A callout: emulate the guest instruction at `guestEip` on the shadow vCPU. */
  CALLOUT: 1,
  /** An indirect-branch target-cache miss: the guest target is in EAX; EAX/ECX are spilled. */
  TARGET_MISS: 2,
  /** popf enabled virtual interrupts with one pending: deliver it before `guestEip`. */
  IRQ_WINDOW: 3,
} as const;

/** Registers a recovery must reload from the monitor's spill slots (bit 0 EAX, bit 1 ECX). */
export const RESTORE = { NONE: 0, EAX: 1, ECX: 2 } as const;

/** What the translator records about one guest instruction of a TU (for fault mapping and the listing). */
export interface GuestInsnRecord {
  readonly eip: number;
  readonly length: number;
  readonly kind: InsnKind;
  /** Callout category (for statistics), or '' for in-TC translations. */
  readonly callout: string;
  /** Offset range of its translation inside the CCF. */
  readonly start: number;
  readonly end: number;
}

/** A branch out of a CCF to a guest address: the rel32 field to point at a continuation or at the target CCF. */
export interface PlannedExit {
  /** Offset of the rel32 field in the CCF. */
  readonly rel: number;
  /** Offset just after the jump (the rel32 base); equal to `rel + 4`. */
  readonly end: number;
  /** True for an unconditional E9 jump (fall-through elision may overwrite it). */
  readonly jmp: boolean;
  readonly target: number;
}

/** A callout instruction (`int CALLOUT_VECTOR`) inside a CCF. */
export interface PlannedCallout {
  readonly at: number;
  readonly kind: number;
  readonly guestEip: number;
  readonly guestLength: number;
  readonly restore: number;
  /** Callout category (statistics). */
  readonly category: string;
  /** True if the TU continues after it (the monitor may resume in place). */
  readonly resumable: boolean;
}

/** A translation unit turned into code, before it is placed in the translation cache. */
export interface TuPlan {
  readonly guestEip: number;
  readonly code: number[];
  readonly exits: PlannedExit[];
  readonly callouts: PlannedCallout[];
  /** Precise points: [offset, guest EIP, RESTORE bits] triples. */
  readonly points: number[];
  readonly insns: GuestInsnRecord[];
  /** Guest-linear pages the TU's bytes came from, and the guest-physical page of each. */
  readonly linearPages: number[];
  readonly physPages: number[];
}

/** A compiled code fragment: one TU's translation in the translation cache. */
export interface Ccf {
  readonly id: number;
  readonly guestEip: number;
  /** TC linear address range. */
  readonly tcStart: number;
  tcEnd: number;
  valid: boolean;
  /** Precise points with absolute TC addresses: [tcAddr, guest EIP, RESTORE bits] triples. */
  readonly points: number[];
  readonly insns: GuestInsnRecord[];
  readonly linearPages: number[];
  readonly physPages: number[];
  /** Jumps chained to this CCF: rel32 field address, its base, and the stub it used to reach. */
  readonly incoming: number[];
}

/** A place in the TC where translated code leaves for the monitor. */
export interface Site {
  readonly kind: number;
  readonly ccf: Ccf | null;
  readonly guestEip: number;
  readonly guestLength: number;
  readonly restore: number;
  readonly category: string;
  /** TC address to resume at after a resumable callout (-1: dispatch on the guest EIP). */
  readonly resume: number;
  /** For continuations: the jump's rel32 field address and its base (-1 if none). */
  readonly rel: number;
  readonly relEnd: number;
  /** For continuations: the jump is an E9 (may be elided by a fall-through translation). */
  readonly jmp: boolean;
}
