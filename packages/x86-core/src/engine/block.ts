/** @file Decoded blocks: built once from physical memory (decode once per block), with their handlers and cumulative cycle costs. */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0, SEG_ATTR } from '../cpu/cpu.ts';
import { FAULT, raise, VECTOR } from '../cpu/fault.ts';
import { translateFetch } from '../cpu/paging.ts';
import { decode, MAX_INSTRUCTION_LENGTH } from '../decode/decoder.ts';
import { OPF } from '../decode/instruction.ts';
import { classOfRow } from '../cost/insn-class.ts';
import { OPCODE_ROWS } from '../table/opcode-table.ts';
import { handlerFor } from '../exec/dispatch.ts';
import { Insn } from '../exec/insn.ts';
import { fuseBranches, markDeadFlags, specialize } from '../exec/fast-ops.ts';
import type { Handler } from '../exec/operands.ts';
import type { CompiledRegion } from './block-compiler.ts';

/** Most instructions in one block (blocks also end at control transfers and page ends). */
export const MAX_BLOCK_INSNS = 64;

/** A decoded block: straight-line instructions starting at one physical address in one mode. */
export interface Block {
  /** Cache key: physical address × 32 + mode bits (see `modeBits`). */
  readonly key: number;
  readonly phys: number;
  readonly insns: readonly Insn[];
  readonly fns: readonly Handler[];
  /** costs[k] = modeled cycles of the first k instructions. */
  readonly costs: Float64Array;
  /** Modeled cycles of the whole block (`costs[insns.length]`: what the interpreter loop charges a chained block). */
  readonly cost: number;
  /** Physical byte ranges the block was decoded from (second page: -1 if none). */
  readonly end0: number;
  readonly start1: number;
  readonly end1: number;
  /** EIP mask: 0xFFFF for a 16-bit code segment, -1 for 32-bit. */
  readonly ipMask: number;
  valid: boolean;
  /** Executions entered from the engine (compile at `jitThreshold`, join the page's region at 4× that). */
  hits: number;
  /** Reached the compile threshold (engine/block-compiler.ts). */
  hot: boolean;
  /** The compiled region holding this block: its page's, or one of its own (null before it is hot, or for 16-bit code). */
  region: CompiledRegion | null;
  /** Cached successors by EIP (chaining within one linear page; -1 = none). */
  succEip0: number;
  succ0: Block | null;
  succEip1: number;
  succ1: Block | null;
  /** More successors (EIPs and blocks, at most `MORE_SUCCESSORS`): a RET or an indirect JMP/CALL reaches many. Null until needed. */
  moreEips: number[] | null;
  more: Block[] | null;
}

/** Successors a block keeps beyond `succ0`/`succ1`. */
export const MORE_SUCCESSORS = 8;

/** The cached successor of `b` at `eip` (same linear page), or null. */
export function cachedSuccessor(b: Block, eip: number): Block | null {
  if (eip === b.succEip0) return b.succ0;
  if (eip === b.succEip1) return b.succ1;
  const eips = b.moreEips;
  if (eips === null) return null;
  // A plain loop: the interpreter loop inlines this, an `indexOf` stays a builtin call.
  for (let k = 0; k < eips.length; k++) if (eips[k] === eip) return b.more![k]!;
  return null;
}

/** Caches `next` as the successor of `b` at `eip` (the first two in `succ0`/`succ1`, then up to `MORE_SUCCESSORS` more, the oldest replaced). */
export function cacheSuccessor(b: Block, eip: number, next: Block): void {
  if (b.succEip0 === -1 || eip === b.succEip0) {
    b.succEip0 = eip;
    b.succ0 = next;
  } else if (b.succEip1 === -1 || eip === b.succEip1) {
    b.succEip1 = eip;
    b.succ1 = next;
  } else {
    if (b.moreEips === null || b.more === null) {
      b.moreEips = [];
      b.more = [];
    }
    const k = b.moreEips.indexOf(eip);
    if (k >= 0) b.more[k] = next;
    else {
      if (b.moreEips.length >= MORE_SUCCESSORS) {
        b.moreEips.shift();
        b.more.shift();
      }
      b.moreEips.push(eip);
      b.more.push(next);
    }
  }
}

/** Mode bits of the cache key: CS.D (bit 0), CPL (bits 1–2), CR0.PE (bit 3), CR0.PG (bit 4). */
export function modeBits(cpu: Cpu): number {
  return ((cpu.segAttr[1]! >>> 14) & 1) | (cpu.cpl << 1) | ((cpu.cr0 & CR0.PE) << 3) | ((cpu.cr0 >>> 31) << 4);
}

const scratch = new Uint8Array(2 * MAX_INSTRUCTION_LENGTH);

/**
 * Decodes a block at the current CS:EIP, whose first byte is at physical `phys`. A fault
 * fetching the first instruction (#PF on its second page, CS limit) is raised; a later
 * instruction that cannot be fetched ends the block before it.
 */
export function buildBlock(cpu: Cpu, phys: number, mode: number): Block {
  const d32 = (cpu.segAttr[1]! & SEG_ATTR.DB) !== 0;
  const ipMask = d32 ? -1 : 0xffff;
  const csLimit = cpu.segLimit[1]!;
  const csBase = cpu.segBase[1]!;
  const insns: Insn[] = [];
  const fns: Handler[] = [];
  const costs: number[] = [0];
  const ram = cpu.ram;
  let eip = cpu.eip;
  let p = phys;
  let start1 = -1;
  let end1 = -1;
  const pageEnd = (phys | 0xfff) + 1;
  let total = 0;
  for (;;) {
    const first = insns.length === 0;
    if (p >= ram.length) {
      // Code fetched from beyond RAM (unclaimed physical space): #GP(0), as the board defines it.
      if (first) raise(cpu, VECTOR.GP, 0);
      break;
    }
    let d;
    if (p + MAX_INSTRUCTION_LENGTH <= pageEnd && p + MAX_INSTRUCTION_LENGTH <= ram.length) {
      d = decode(ram, p, d32 ? 32 : 16);
    } else {
      // Near the page end: gather this page's tail and (if translatable) the next linear page's head.
      const tail = Math.min(pageEnd, ram.length) - p;
      for (let k = 0; k < tail; k++) scratch[k] = ram[p + k]!;
      let have = tail;
      let p1 = -1;
      if (have < MAX_INSTRUCTION_LENGTH) {
        const nextLin = (csBase + eip + tail) | 0;
        const cr2 = cpu.cr2;
        try {
          p1 = translateFetch(cpu, nextLin);
        } catch (e) {
          if (e !== FAULT) throw e;
          // The instruction may still fit in this page: decode to find out, fault only if it needs more.
          cpu.cr2 = cr2;
          cpu.excVector = -1;
          p1 = -2;
        }
        if (p1 >= 0) {
          for (let k = 0; have < MAX_INSTRUCTION_LENGTH && p1 + k < ram.length; k++) scratch[have++] = ram[p1 + k]!;
        }
      }
      d = decode(scratch.subarray(0, have), 0, d32 ? 32 : 16);
      if (d.length > tail || (d.row.flags & OPF.TRUNCATED) !== 0) {
        if (p1 === -2 || (d.row.flags & OPF.TRUNCATED) !== 0) {
          if (!first) break;
          if (p1 === -2) translateFetch(cpu, (csBase + eip + tail) | 0);
          // Code running off the end of RAM.
          raise(cpu, VECTOR.GP, 0);
        }
        start1 = p1;
        end1 = p1 + (d.length - tail);
      }
    }
    if ((d.row.flags & OPF.TRUNCATED) !== 0) {
      if (first) raise(cpu, VECTOR.GP, 0);
      break;
    }
    if (((eip + d.length - 1) >>> 0) > csLimit) {
      if (first) raise(cpu, VECTOR.GP, 0);
      break;
    }
    // RDTSC/RDMSR read the clock: they start a block, so every earlier instruction is charged.
    if (!first && (d.row.handler === 'rdtsc' || d.row.handler === 'rdmsr')) break;
    const ins = new Insn(d);
    const fn = handlerFor(ins);
    specialize(ins);
    insns.push(ins);
    fns.push(fn);
    let c = cpu.cost.insnCycles[classOfRow(OPCODE_ROWS[d.id]!)]!;
    if (d.hasMem) c += cpu.cost.memOperand;
    total += c;
    costs.push(total);
    p += d.length;
    eip = (eip + d.length) & ipMask;
    if ((d.row.flags & OPF.BLOCK_END) !== 0 || d.ud || insns.length >= MAX_BLOCK_INSNS || p >= pageEnd || start1 >= 0) break;
  }
  markDeadFlags(insns);
  fuseBranches(insns);
  return {
    key: phys * 32 + mode,
    phys,
    insns,
    fns,
    costs: Float64Array.from(costs),
    cost: total,
    end0: Math.min(p, pageEnd),
    start1,
    end1,
    ipMask,
    valid: true,
    hits: 0,
    hot: false,
    region: null,
    succEip0: -1,
    succ0: null,
    succEip1: -1,
    succ1: null,
    moreEips: null,
    more: null,
  };
}
