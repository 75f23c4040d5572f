/** @file The translator: decodes a guest kernel translation unit (≤ 12 instructions or up to a control transfer) into IR records and emits its CCF code. */
import { Access } from '@x86virt/mmu';
import { decode, encode, OPF, OPK, PREFIX, REG, SEG, defaultSegment, type EncodeOperand, type EncodeRequest, type Instruction } from '@x86virt/x86-core';
import { CALLOUT_VECTOR, MON } from '../layout.ts';
import type { GuestMemory } from '../host/guest-memory.ts';
import { INSN_KIND, RESTORE, SITE_KIND, type InsnKind, type PlannedCallout, type PlannedExit, type TuPlan } from './ccf.ts';
import { classify } from './classify.ts';

/** Most guest instructions in one translation unit (paper §3.2). */
export const MAX_TU_INSNS = 12;
/** Smallest CCF: room for the 5-byte jump an invalidated CCF's entry is overwritten with. */
export const MIN_CCF_BYTES = 5;

/** A TU could not be translated because its first instruction cannot be fetched: the guest's #PF error code and address. */
export interface FetchFault {
  readonly kind: 'fetch-fault';
  readonly address: number;
  readonly errorCode: number;
}

const gs = (disp: number): EncodeOperand => ({ kind: OPK.MEM, mem: { base: -1, index: -1, scale: 1, disp } });
const reg = (n: number): EncodeOperand => ({ kind: OPK.GPR, reg: n });
const imm = (v: number): EncodeOperand => ({ kind: OPK.IMM, value: v });
const rel = (v: number): EncodeOperand => ({ kind: OPK.REL, value: v });

/** Pre-encoded fixed sequences (encoded once, with the encoder). */
const enc = (req: EncodeRequest): number[] => Array.from(encode(req, 32));
const SEQ = {
  spillEax: enc({ row: 'mov_EvGv', operands: [gs(MON.SPILL_EAX), reg(REG.EAX)], seg: SEG.GS }),
  spillEcx: enc({ row: 'mov_EvGv', operands: [gs(MON.SPILL_ECX), reg(REG.ECX)], seg: SEG.GS }),
  reloadEax: enc({ row: 'mov_GvEv', operands: [reg(REG.EAX), gs(MON.SPILL_EAX)], seg: SEG.GS }),
  reloadEcx: enc({ row: 'mov_GvEv', operands: [reg(REG.ECX), gs(MON.SPILL_ECX)], seg: SEG.GS }),
  popEax: enc({ row: 'pop_Zv', operands: [reg(REG.EAX)] }),
  movzxEcxAl: enc({ row: 'movzx_GvEb', operands: [reg(REG.ECX), { kind: OPK.GPR, reg: REG.EAX }] }),
  loadTag: enc({ row: 'mov_GvEv', operands: [reg(REG.ECX), { kind: OPK.MEM, mem: { base: -1, index: REG.ECX, scale: 8, disp: MON.TARGET_CACHE } }], seg: SEG.GS }),
  notEcx: enc({ row: 'not_Ev', operands: [reg(REG.ECX)] }),
  leaDiff: enc({ row: 'lea_GvM', operands: [reg(REG.ECX), { kind: OPK.MEM, mem: { base: REG.EAX, index: REG.ECX, scale: 1, disp: 1 } }] }),
  jecxzOverCallout: enc({ row: 'jecxz_Jb', operands: [rel(2)] }),
  callout: enc({ row: 'int_Ib', operands: [imm(CALLOUT_VECTOR)] }),
  loadTcAddr: enc({ row: 'mov_GvEv', operands: [reg(REG.EAX), { kind: OPK.MEM, mem: { base: -1, index: REG.ECX, scale: 8, disp: MON.TARGET_CACHE + 4 } }], seg: SEG.GS }),
  storeTarget: enc({ row: 'mov_EvGv', operands: [gs(MON.JUMP_TARGET), reg(REG.EAX)], seg: SEG.GS }),
  jmpTarget: enc({ row: 'jmp_Ev', operands: [gs(MON.JUMP_TARGET)], seg: SEG.GS }),
  cli: enc({ row: 'mov_EvIz', operands: [gs(MON.VIF), imm(0)], seg: SEG.GS }),
  pushf: enc({ row: 'pushf', operands: [] }),
  popf: enc({ row: 'popf', operands: [] }),
  loadEcxStackTop: enc({ row: 'mov_GvEv', operands: [reg(REG.ECX), { kind: OPK.MEM, mem: { base: REG.ESP, index: -1, scale: 1, disp: 0 } }] }),
  andEcxNotIfIopl: enc({ row: 'and_EvIz', operands: [reg(REG.ECX), imm(~0x3200)] }),
  orEcxVif: enc({ row: 'or_GvEv', operands: [reg(REG.ECX), gs(MON.VIF)], seg: SEG.GS }),
  orEcxViopl: enc({ row: 'or_GvEv', operands: [reg(REG.ECX), gs(MON.VIOPL)], seg: SEG.GS }),
  pushEcx: enc({ row: 'push_Zv', operands: [reg(REG.ECX)] }),
  andEcxTf: enc({ row: 'and_EvIz', operands: [reg(REG.ECX), imm(0x100)] }),
  andEcxIf: enc({ row: 'and_EvIz', operands: [reg(REG.ECX), imm(0x200)] }),
  andEcxIopl: enc({ row: 'and_EvIz', operands: [reg(REG.ECX), imm(0x3000)] }),
  storeVif: enc({ row: 'mov_EvGv', operands: [gs(MON.VIF), reg(REG.ECX)], seg: SEG.GS }),
  storeViopl: enc({ row: 'mov_EvGv', operands: [gs(MON.VIOPL), reg(REG.ECX)], seg: SEG.GS }),
  loadVif: enc({ row: 'mov_GvEv', operands: [reg(REG.ECX), gs(MON.VIF)], seg: SEG.GS }),
  loadPending: enc({ row: 'mov_GvEv', operands: [reg(REG.ECX), gs(MON.PENDING)], seg: SEG.GS }),
  jmpRel32: enc({ row: 'jmp_Jz', operands: [rel(0)] }),
  pushImm32: enc({ row: 'push_Iz', operands: [imm(0x7fffffff)] }),
  nop: [0x90],
};

const JCC32 = Array.from({ length: 16 }, (_, cc) => enc({ row: 'jcc_Jz', cc, operands: [rel(0)] }));

/** The state of one TU being emitted. */
class TuBuilder {
  readonly code: number[] = [];
  readonly exits: PlannedExit[] = [];
  readonly callouts: PlannedCallout[] = [];
  readonly points: number[] = [];

  get at(): number {
    return this.code.length;
  }

  bytes(b: readonly number[]): void {
    for (let i = 0; i < b.length; i++) this.code.push(b[i]!);
  }

  point(guestEip: number, restore: number): void {
    this.points.push(this.code.length, guestEip >>> 0, restore);
  }

  /** A rel32 jump (template `b`, rel32 in its last 4 bytes) to guest `target`. */
  exit(b: readonly number[], target: number, jmp: boolean): void {
    this.bytes(b);
    this.exits.push({ rel: this.code.length - 4, end: this.code.length, jmp, target: target >>> 0 });
  }

  callout(kind: number, guestEip: number, guestLength: number, restore: number, category: string, resumable: boolean): void {
    this.callouts.push({ at: this.code.length, kind, guestEip: guestEip >>> 0, guestLength, restore, category, resumable });
    this.bytes(SEQ.callout);
  }

  /** The inline target-cache lookup; the guest target is in EAX, guest EAX/ECX are spilled. */
  lookupTail(guestEip: number, guestLength: number): void {
    this.bytes(SEQ.movzxEcxAl);
    this.bytes(SEQ.loadTag);
    this.bytes(SEQ.notEcx);
    this.bytes(SEQ.leaDiff);
    this.bytes(SEQ.jecxzOverCallout);
    this.callout(SITE_KIND.TARGET_MISS, guestEip, guestLength, RESTORE.EAX | RESTORE.ECX, 'target-miss', false);
    this.bytes(SEQ.movzxEcxAl);
    this.bytes(SEQ.loadTcAddr);
    this.bytes(SEQ.storeTarget);
    this.bytes(SEQ.reloadEax);
    this.bytes(SEQ.reloadEcx);
    this.bytes(SEQ.jmpTarget);
  }
}

/** `mov eax, <the guest's r/m operand>` (same addressing and segment override). */
function loadOperandIntoEax(d: Instruction): number[] {
  if (!d.hasMem) return enc({ row: 'mov_GvEv', operands: [reg(REG.EAX), reg(d.rm)] });
  const mem = { base: d.base, index: d.index, scale: d.scale, disp: d.disp };
  const override = (d.prefixes & PREFIX.SEG) !== 0 && d.seg !== defaultSegment(mem, d.adsize) ? d.seg : undefined;
  return enc({ row: 'mov_GvEv', operands: [reg(REG.EAX), { kind: OPK.MEM, mem }], adsize: d.adsize, ...(override === undefined ? {} : { seg: override }) });
}

function pushImm(v: number): number[] {
  const b = SEQ.pushImm32.slice();
  b[1] = v & 0xff;
  b[2] = (v >>> 8) & 0xff;
  b[3] = (v >>> 16) & 0xff;
  b[4] = (v >>> 24) & 0xff;
  return b;
}

const fetchBuf = new Uint8Array(16);

/**
 * Translates the TU starting at guest-linear `eip` (guest 32-bit kernel code) into a plan:
 * CCF code with exits, callouts and precise points. `adapted(eip)` says which instructions
 * adaptive translation turned into callouts. Returns a FetchFault when the first instruction
 * cannot be fetched.
 */
export function translateTu(guest: GuestMemory, eip: number, adapted: (eip: number) => boolean): TuPlan | FetchFault {
  const b = new TuBuilder();
  const insns: TuPlan['insns'] = [];
  const linearPages: number[] = [];
  const physPages: number[] = [];
  const notePage = (lin: number): void => {
    const lp = lin >>> 12;
    if (linearPages.includes(lp)) return;
    const p = guest.translate(lin, Access.FETCH);
    linearPages.push(lp);
    physPages.push(p < 0 ? -1 : p >>> 12);
  };
  let at = eip >>> 0;
  let ended = false;
  for (let n = 0; n < MAX_TU_INSNS && !ended; n++) {
    const got = guest.fetch(at, fetchBuf, 15);
    const d = decode(fetchBuf.subarray(0, got), 0, 32);
    if ((d.row.flags & OPF.TRUNCATED) !== 0 || d.length > got) {
      if (n === 0) return { kind: 'fetch-fault', address: (at + got) >>> 0, errorCode: guest.lastFault < 0 ? 0 : guest.lastFault };
      break;
    }
    notePage(at);
    notePage((at + d.length - 1) >>> 0);
    const c = classify(d, adapted(at));
    const start = b.at;
    const next = (at + d.length) >>> 0;
    const kind: InsnKind = c.kind;
    b.point(at, RESTORE.NONE);
    switch (kind) {
      case INSN_KIND.IDENT:
        for (let k = 0; k < d.length; k++) b.code.push(fetchBuf[k]!);
        break;
      case INSN_KIND.JCC:
        b.exit(JCC32[d.row.cc]!, (next + d.imm) >>> 0, false);
        b.point(next, RESTORE.NONE);
        b.exit(SEQ.jmpRel32, next, true);
        break;
      case INSN_KIND.JMP:
        b.exit(SEQ.jmpRel32, (next + d.imm) >>> 0, true);
        break;
      case INSN_KIND.CALL:
        b.bytes(pushImm(next));
        b.point((next + d.imm) >>> 0, RESTORE.NONE);
        b.exit(SEQ.jmpRel32, (next + d.imm) >>> 0, true);
        break;
      case INSN_KIND.LOOP: {
        // The original prefixes and opcode, re-targeted 5 bytes ahead: over the fall-through jmp to the taken one.
        for (let k = 0; k < d.length - 1; k++) b.code.push(fetchBuf[k]!);
        b.code.push(5);
        b.point(next, RESTORE.NONE);
        b.exit(SEQ.jmpRel32, next, true);
        b.point((next + d.imm) >>> 0, RESTORE.NONE);
        b.exit(SEQ.jmpRel32, (next + d.imm) >>> 0, true);
        break;
      }
      case INSN_KIND.RET:
        b.bytes(SEQ.spillEax);
        b.bytes(SEQ.spillEcx);
        b.point(at, RESTORE.NONE);
        b.bytes(SEQ.popEax);
        if (d.row.handler === 'ret_Iw' && d.imm !== 0) {
          b.bytes(enc({ row: 'lea_GvM', operands: [reg(REG.ESP), { kind: OPK.MEM, mem: { base: REG.ESP, index: -1, scale: 1, disp: d.imm & 0xffff } }] }));
        }
        b.lookupTail(at, d.length);
        break;
      case INSN_KIND.JMP_IND:
      case INSN_KIND.CALL_IND:
        b.bytes(SEQ.spillEax);
        b.bytes(SEQ.spillEcx);
        b.point(at, RESTORE.NONE);
        b.bytes(loadOperandIntoEax(d));
        if (kind === INSN_KIND.CALL_IND) {
          b.point(at, RESTORE.EAX);
          b.bytes(pushImm(next));
        }
        b.lookupTail(at, d.length);
        break;
      case INSN_KIND.CLI:
        b.bytes(SEQ.cli);
        break;
      case INSN_KIND.PUSHF:
        b.bytes(SEQ.pushf);
        b.bytes(SEQ.spillEcx);
        b.bytes(SEQ.loadEcxStackTop);
        b.bytes(SEQ.andEcxNotIfIopl);
        b.bytes(SEQ.orEcxVif);
        b.bytes(SEQ.orEcxViopl);
        b.bytes(SEQ.popf);
        b.bytes(SEQ.pushEcx);
        b.bytes(SEQ.reloadEcx);
        break;
      case INSN_KIND.POPF: {
        b.bytes(SEQ.spillEcx);
        b.point(at, RESTORE.NONE);
        b.bytes(SEQ.loadEcxStackTop);
        // Setting TF (single-step) is left to the monitor: the shadow vCPU then interprets.
        b.bytes(SEQ.andEcxTf);
        b.bytes(SEQ.jecxzOverCallout);
        b.callout(SITE_KIND.CALLOUT, at, d.length, RESTORE.ECX, 'popf-tf', false);
        b.bytes(SEQ.loadEcxStackTop);
        b.bytes(SEQ.andEcxIf);
        b.bytes(SEQ.storeVif);
        b.bytes(SEQ.loadEcxStackTop);
        b.bytes(SEQ.andEcxIopl);
        b.bytes(SEQ.storeViopl);
        b.bytes(SEQ.reloadEcx);
        b.bytes(SEQ.popf);
        // Virtual interrupts just enabled with one pending: leave for the monitor to deliver it.
        b.point(next, RESTORE.NONE);
        b.bytes(SEQ.spillEcx);
        b.bytes(SEQ.loadVif);
        b.bytes(enc({ row: 'jecxz_Jb', operands: [rel(SEQ.loadPending.length + 2 + SEQ.callout.length)] }));
        b.bytes(SEQ.loadPending);
        b.bytes(SEQ.jecxzOverCallout);
        b.callout(SITE_KIND.IRQ_WINDOW, next, 0, RESTORE.ECX, 'irq-window', true);
        b.bytes(SEQ.reloadEcx);
        break;
      }
      case INSN_KIND.TPR_WRITE: {
        // The 8259 pair does not look at the TPR, so lowering it unmasks nothing: no interrupt check is needed.
        const test = enc({ row: 'test_EvIz', operands: [reg(d.rm), imm(~0xf)] });
        b.bytes(test);
        b.bytes(enc({ row: 'jcc_Jb', cc: 4, operands: [rel(SEQ.callout.length)] }));
        b.callout(SITE_KIND.CALLOUT, at, d.length, RESTORE.NONE, 'cr-write', false);
        b.bytes(enc({ row: 'mov_EvGv', operands: [gs(MON.VTPR), reg(d.rm)], seg: SEG.GS }));
        break;
      }
      case INSN_KIND.TPR_READ:
        b.bytes(enc({ row: 'mov_GvEv', operands: [reg(d.rm), gs(MON.VTPR)], seg: SEG.GS }));
        break;
      case INSN_KIND.CALLOUT:
        b.callout(SITE_KIND.CALLOUT, at, d.length, RESTORE.NONE, c.callout, !c.ends);
        break;
    }
    insns.push({ eip: at, length: d.length, kind, callout: c.callout, start, end: b.at });
    ended = c.ends;
    at = next;
  }
  if (!ended) {
    const start = b.at;
    b.point(at, RESTORE.NONE);
    b.exit(SEQ.jmpRel32, at, true);
    const last = insns[insns.length - 1]!;
    insns[insns.length - 1] = { ...last, end: b.at };
    void start;
  }
  while (b.code.length < MIN_CCF_BYTES) b.bytes(SEQ.nop);
  return { guestEip: eip >>> 0, code: b.code, exits: b.exits, callouts: b.callouts, points: b.points, insns, linearPages, physPages };
}
