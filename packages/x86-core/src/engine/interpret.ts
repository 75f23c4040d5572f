/** @file The interpreter loop: runs a decoded block instruction by instruction — specialised forms inline, the rest through their handlers — and goes on through its cached successors while nothing needs the engine. */
import type { Cpu } from '../cpu/cpu.ts';
import { SEG_ATTR } from '../cpu/cpu.ts';
import { ARITH_FLAGS, EFLAGS, LAZY, setLazy, setLazyKeepCF, setResultFlags, SIGN_BIT, SIZE_MASK, testCondition } from '../cpu/eflags.ts';
import { FAULT, raise, VECTOR } from '../cpu/fault.ts';
import { read16, read32, read8, write16, write32, write8 } from '../cpu/memory.ts';
import { REP_CHUNK } from '../exec/string.ts';
import type { Insn } from '../exec/insn.ts';
import type { Handler } from '../exec/operands.ts';
import { cachedSuccessor, type Block } from './block.ts';
import type { RegionExit, RegionHost } from './block-compiler.ts';

/**
 * Runs `n` instructions of `first` (fewer if one sets `Cpu.blockBreak`), EIP at its start, then —
 * when `chain` — block after block through the cached successors (`succEip0/1`, same linear page)
 * as the engine's own loop would: each fits whole in `left`, is valid, has no compiled region and
 * does not reach a compile count (`jitThreshold`: the engine's `threshold` in use; 4 × that) on this entry; each is counted (`hits`),
 * made `host.current` and charged (`costs`) after it completes; the chain stops at a block boundary
 * when the budget or the engine's deadline (`RegionHost.deadline`) is reached, or when the successor is not such a block.
 *
 * Reports as a compiled region does (`RegionExit`): returns the instructions of the blocks it
 * accounted; `st.last` = the last of them when it stopped at a boundary, else `st.block` = the block
 * the engine accounts itself (`st.done` of its instructions ran: not chaining, `Cpu.blockBreak`,
 * `Cpu.stepTrap`). A fault ends it with `st.at`/`st.eip` = the faulting block and its first EIP,
 * returning the instructions accounted before it; EIP is exact (it moves on only after an
 * instruction completes). `Cpu.eip`/`nextEip` are stored before every form that can fault, touch
 * memory or run a handler (register-only forms keep EIP in a local) and at every block boundary.
 *
 * Each instruction runs its specialised form (`Insn.fast`, exec/fast-ops.ts: case numbers are
 * `FAST`'s) inline with its pre-decoded operands — the same state changes as its family handler —
 * or else its handler (`Block.fns`) with `Cpu.nextEip` set.
 */
export function runBlocks(
  cpu: Cpu,
  first: Block,
  n: number,
  chain: boolean,
  left: number,
  jitThreshold: number,
  host: RegionHost,
  st: RegionExit,
): number {
  const regs = cpu.regs;
  const page = cpu.eip & ~0xfff;
  const compileAt4 = 4 * jitThreshold;
  // Executions are counted only for the block compiler (`interp` never compiles).
  const counting = jitThreshold !== Infinity;
  // Booleans compared with `=== true`: V8 then tests one word
  // (a bare `if (x)` on a field or parameter compiles to a full ToBoolean, several tests per use).
  const chaining = chain === true;
  // The deadline from the engine's double field (`RegionHost.deadline`): unboxed, no heap number per call.
  const limit = host.deadline;
  let block = first;
  let total = 0;
  // EIP values are kept int32 (`| 0` where they come from fields or calls) so V8 keeps them untagged.
  let start = cpu.eip | 0;
  try {
  for (;;) {
    const insns = block.insns;
    const fns = block.fns;
    const mask = block.ipMask | 0;
    let eip = start;
    let done = 0;
    // Dead flag writes (`Insn.dead`) are skipped only when the whole block runs.
    const elide = n === insns.length ? 1 : 0;
    while (done < n) {
      const i = insns[done]!;
      let next = (eip + i.length) & mask;
        switch (i.fast) {
          case 1: {
            // ADD r, r (status flags skipped when dead: `Insn.dead`)
            const d = regs[i.fa]!;
            const s = regs[i.fb]!;
            const r = (d + s) | 0;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.ADD;
              cpu.lzDst = d;
              cpu.lzSrc = s;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 2: {
            // SUB r, r
            const d = regs[i.fa]!;
            const s = regs[i.fb]!;
            const r = (d - s) | 0;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.SUB;
              cpu.lzDst = d;
              cpu.lzSrc = s;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 3: {
            // CMP r, r
            const d = regs[i.fa]!;
            const s = regs[i.fb]!;
            const r = (d - s) | 0;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.SUB;
              cpu.lzDst = d;
              cpu.lzSrc = s;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 4: {
            // AND r, r
            const r = regs[i.fa]! & regs[i.fb]!;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 5: {
            // OR r, r
            const r = regs[i.fa]! | regs[i.fb]!;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 6: {
            // XOR r, r
            const r = regs[i.fa]! ^ regs[i.fb]!;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 7: {
            // TEST r, r
            const r = regs[i.fa]! & regs[i.fb]!;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 8: {
            // ADD r, imm
            const d = regs[i.fa]!;
            const s = i.imm;
            const r = (d + s) | 0;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.ADD;
              cpu.lzDst = d;
              cpu.lzSrc = s;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 9: {
            // SUB r, imm
            const d = regs[i.fa]!;
            const s = i.imm;
            const r = (d - s) | 0;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.SUB;
              cpu.lzDst = d;
              cpu.lzSrc = s;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 10: {
            // CMP r, imm
            const d = regs[i.fa]!;
            const s = i.imm;
            const r = (d - s) | 0;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.SUB;
              cpu.lzDst = d;
              cpu.lzSrc = s;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 11: {
            // AND r, imm
            const r = regs[i.fa]! & i.imm;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 12: {
            // OR r, imm
            const r = regs[i.fa]! | i.imm;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 13: {
            // XOR r, imm
            const r = regs[i.fa]! ^ i.imm;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 14: {
            // TEST r, imm
            const r = regs[i.fa]! & i.imm;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 15: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // ADD r, m32 (the load faults before any state changes)
            const s = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            const d = regs[i.fa]!;
            const r = (d + s) | 0;
            regs[i.fa] = r;
            cpu.lzOp = LAZY.ADD;
            cpu.lzDst = d;
            cpu.lzSrc = s;
            cpu.lzRes = r;
            cpu.lzSize = 4;
            cpu.lazyMask = ARITH_FLAGS;
            break;
          }
          case 16: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // SUB r, m32
            const s = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            const d = regs[i.fa]!;
            const r = (d - s) | 0;
            regs[i.fa] = r;
            cpu.lzOp = LAZY.SUB;
            cpu.lzDst = d;
            cpu.lzSrc = s;
            cpu.lzRes = r;
            cpu.lzSize = 4;
            cpu.lazyMask = ARITH_FLAGS;
            break;
          }
          case 17: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // CMP r, m32
            const s = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            const d = regs[i.fa]!;
            cpu.lzOp = LAZY.SUB;
            cpu.lzDst = d;
            cpu.lzSrc = s;
            cpu.lzRes = (d - s) | 0;
            cpu.lzSize = 4;
            cpu.lazyMask = ARITH_FLAGS;
            break;
          }
          case 18: {
            cpu.eip = eip;
            cpu.nextEip = next;
            const s = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            setLogic(cpu, (regs[i.fa] = regs[i.fa]! & s));
            break;
          }
          case 19: {
            cpu.eip = eip;
            cpu.nextEip = next;
            const s = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            setLogic(cpu, (regs[i.fa] = regs[i.fa]! | s));
            break;
          }
          case 20: {
            cpu.eip = eip;
            cpu.nextEip = next;
            const s = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            setLogic(cpu, (regs[i.fa] = regs[i.fa]! ^ s));
            break;
          }
          case 21:
            // MOV r, r
            regs[i.fa] = regs[i.fb]!;
            eip = next;
            done++;
            continue;
          case 22:
            // MOV r, imm
            regs[i.fa] = i.imm;
            eip = next;
            done++;
            continue;
          case 23:
            cpu.eip = eip;
            cpu.nextEip = next;
            // MOV r, m32
            regs[i.fa] = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            break;
          case 24:
            cpu.eip = eip;
            cpu.nextEip = next;
            // MOV m32, r
            write32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0), regs[i.fb]!);
            break;
          case 25:
            // LEA r, m
            regs[i.fa] = ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0);
            eip = next;
            done++;
            continue;
          case 26:
            cpu.eip = eip;
            cpu.nextEip = next;
            // MOVZX r32, m8
            regs[i.fa] = read8(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            break;
          case 27:
          case 28: {
            // INC / DEC r: CF kept (made concrete first while it is lazy, as getCF computes it)
            const d = regs[i.fa]!;
            const dec = i.fast === 28;
            const r = dec ? (d - 1) | 0 : (d + 1) | 0;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              if ((cpu.lazyMask & EFLAGS.CF) !== 0) {
                const op = cpu.lzOp;
                let cf = 0;
                if (op !== LAZY.LOGIC) {
                  const a = cpu.lzDst;
                  const b = cpu.lzSrc;
                  const x = cpu.lzRes;
                  cf = ((op === LAZY.ADD ? (a & b) | ((a | b) & ~x) : (~a & b) | ((~a | b) & x)) & SIGN_BIT[cpu.lzSize]!) !== 0 ? 1 : 0;
                }
                cpu.flags = (cpu.flags & ~EFLAGS.CF) | cf;
              }
              cpu.lzOp = dec ? LAZY.SUB : LAZY.ADD;
              cpu.lzDst = d;
              cpu.lzSrc = 1;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS & ~EFLAGS.CF;
            }
            if (i.fb === 1 && done + 1 < n) {
              // Fused with the JZ/JNZ after it (`fuseBranches`): ZF is this result's.
              const j = insns[done + 1]!;
              cpu.eip = next;
              let after = (next + j.length) & mask;
              cpu.nextEip = after;
              if ((r === 0) === (j.fa === 1)) {
                after = (after + j.imm) | 0;
                if (after >>> 0 > cpu.segLimit[1]!) raise(cpu, VECTOR.GP, 0);
              }
              eip = after;
              done += 2;
              continue;
            }
            eip = next;
            done++;
            continue;
          }
          case 29: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // JZ / JNZ: ZF as getZF computes it
            const zf = (cpu.lazyMask & EFLAGS.ZF) !== 0 ? (cpu.lzRes & SIZE_MASK[cpu.lzSize]!) === 0 : (cpu.flags & EFLAGS.ZF) !== 0;
            if (zf === (i.fa === 1)) {
              next = (next + i.imm) | 0;
              if (next >>> 0 > cpu.segLimit[1]!) raise(cpu, VECTOR.GP, 0);
            }
            eip = next;
            done++;
            continue;
          }
          case 30:
            cpu.eip = eip;
            cpu.nextEip = next;
            // Jcc (other conditions)
            if (testCondition(cpu, i.fa) === (i.fb === 1)) next = jumpTarget(cpu, (next + i.imm) | 0);
            eip = next;
            done++;
            continue;
          case 31:
            cpu.eip = eip;
            cpu.nextEip = next;
            // JMP rel
            next = jumpTarget(cpu, (next + i.imm) | 0);
            eip = next;
            done++;
            continue;
          case 32: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // PUSH r32 (32-bit stack; else the handler)
            if ((cpu.segAttr[2]! & SEG_ATTR.DB) === 0) {
              fns[done]!(cpu, i);
              break;
            }
            const sp = (regs[4]! - 4) | 0;
            write32(cpu, 2, sp, regs[i.fa]!);
            regs[4] = sp;
            break;
          }
          case 33: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // POP r32 (32-bit stack; else the handler): ESP moves before the register is written (POP ESP)
            if ((cpu.segAttr[2]! & SEG_ATTR.DB) === 0) {
              fns[done]!(cpu, i);
              break;
            }
            const sp = regs[4]!;
            const v = read32(cpu, 2, sp);
            regs[4] = (sp + 4) | 0;
            regs[i.fa] = v;
            break;
          }
          case 34: {
            // SHL/SAL r, k: CF, OF by the count-1 rule, AF=0
            const v = regs[i.fa]!;
            const k = i.fb;
            const r = v << k;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              const cf = (v >>> (32 - k)) & 1;
              shiftFlags(cpu, r, cf, ((r >>> 31) ^ cf) << 11);
            }
            eip = next;
            done++;
            continue;
          }
          case 35: {
            // SHR r, k
            const prev = regs[i.fa]! >>> (i.fb - 1);
            const r = (prev >>> 1) | 0;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) shiftFlags(cpu, r, prev & 1, (((prev ^ r) >>> 31) & 1) << 11);
            eip = next;
            done++;
            continue;
          }
          case 36: {
            // SAR r, k
            const prev = regs[i.fa]! >> (i.fb - 1);
            const r = prev >> 1;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) shiftFlags(cpu, r, prev & 1, 0);
            eip = next;
            done++;
            continue;
          }
          case 37: {
            // ROL r, k: CF and OF only (the other flags made concrete first)
            const v = regs[i.fa]!;
            const r = (v << i.fb) | (v >>> (32 - i.fb));
            regs[i.fa] = r;
            setRotate(cpu, r & 1, ((r >>> 31) ^ r) & 1);
            eip = next;
            done++;
            continue;
          }
          case 38: {
            // ROR r, k
            const v = regs[i.fa]!;
            const r = (v >>> i.fb) | (v << (32 - i.fb));
            regs[i.fa] = r;
            setRotate(cpu, (r >>> 31) & 1, ((r >>> 31) ^ (r >>> 30)) & 1);
            eip = next;
            done++;
            continue;
          }
          case 39:
            // TEST AL, imm8
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = regs[0]! & i.imm & 0xff;
              cpu.lzSize = 1;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          case 40: {
            // CMP AL, imm8
            if ((i.dead & elide) === 0) {
              const d = regs[0]! & 0xff;
              const s = i.imm & 0xff;
              cpu.lzOp = LAZY.SUB;
              cpu.lzDst = d;
              cpu.lzSrc = s;
              cpu.lzRes = (d - s) & 0xff;
              cpu.lzSize = 1;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 41: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // CALL rel32 (32-bit stack; else the handler): target checked, then the push
            if ((cpu.segAttr[2]! & SEG_ATTR.DB) === 0) {
              next = viaHandler(cpu, fns[done]!, i, next) | 0;
              break;
            }
            const target = jumpTarget(cpu, (next + i.imm) | 0);
            const sp = (regs[4]! - 4) | 0;
            write32(cpu, 2, sp, next);
            regs[4] = sp;
            next = target;
            break;
          }
          case 42: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // RET (32-bit stack; else the handler)
            if ((cpu.segAttr[2]! & SEG_ATTR.DB) === 0) {
              next = viaHandler(cpu, fns[done]!, i, next) | 0;
              break;
            }
            const sp = regs[4]!;
            const target = jumpTarget(cpu, read32(cpu, 2, sp)) | 0;
            regs[4] = (sp + 4) | 0;
            next = target;
            break;
          }
          case 43:
            cpu.eip = eip;
            cpu.nextEip = next;
            // JMP r32
            next = jumpTarget(cpu, regs[i.fa]!);
            eip = next;
            done++;
            continue;
          case 44:
            cpu.eip = eip;
            cpu.nextEip = next;
            // JMP m32
            next = jumpTarget(cpu, read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0))) | 0;
            break;
          case 45: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // CALL m32 (32-bit stack; else the handler)
            if ((cpu.segAttr[2]! & SEG_ATTR.DB) === 0) {
              next = viaHandler(cpu, fns[done]!, i, next) | 0;
              break;
            }
            const target = jumpTarget(cpu, read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0))) | 0;
            const sp = (regs[4]! - 4) | 0;
            write32(cpu, 2, sp, next);
            regs[4] = sp;
            next = target;
            break;
          }
          case 46:
            // MOV m16, r16
            cpu.eip = eip;
            cpu.nextEip = next;
            write16(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0), regs[i.fb]! & 0xffff);
            break;
          case 47: {
            // LOOP rel8: ECX decremented first (kept at a #GP on the target, as the handler does)
            cpu.eip = eip;
            cpu.nextEip = next;
            const count = (regs[1]! - 1) | 0;
            regs[1] = count;
            if (count !== 0) next = jumpTarget(cpu, (next + i.imm) | 0);
            eip = next;
            done++;
            continue;
          }
          case 48: {
            // REP MOVSD, DF=0, no TF: ECX dwords (≤ REP_CHUNK) within one page of source and destination
            // copied at once when every access would take the TLB fast path (string.ts `bulkRun`'s
            // conditions: segment limits, RAM readable / writable without decoded code, ranges apart);
            // else the handler (per iteration, yields, faults).
            const count = regs[1]! >>> 0;
            if (count !== 0 && count <= REP_CHUNK && (cpu.flags & (EFLAGS.DF | EFLAGS.TF)) === 0) {
              const len = count * 4;
              const di = regs[7]! >>> 0;
              const si = regs[6]! >>> 0;
              const dLin = (cpu.segBase[0]! + di) | 0;
              const sLin = (cpu.segBase[i.seg]! + si) | 0;
              const ed = cpu.tlb.entries[dLin >>> 12]!;
              const es = cpu.tlb.entries[sLin >>> 12]!;
              if (
                (dLin & 0xfff) + len <= 0x1000 &&
                (sLin & 0xfff) + len <= 0x1000 &&
                di >= cpu.segLo[0]! &&
                di + len - 1 <= cpu.segHiW[0]! &&
                si >= cpu.segLo[i.seg]! &&
                si + len - 1 <= cpu.segHiR[i.seg]! &&
                (ed & cpu.wrBit) !== 0 &&
                cpu.codePages[ed >>> 12] === 0 &&
                (es & cpu.rdBit) !== 0
              ) {
                const pd = (ed & 0xfffff000) | (dLin & 0xfff);
                const ps = (es & 0xfffff000) | (sLin & 0xfff);
                if (pd >= ps + len || ps >= pd + len) {
                  cpu.ramCopy(pd, ps, len);
                  regs[6] = (si + len) | 0;
                  regs[7] = (di + len) | 0;
                  regs[1] = 0;
                  eip = next;
                  done++;
                  continue;
                }
              }
            }
            cpu.eip = eip;
            cpu.nextEip = next;
            fns[done]!(cpu, i);
            next = cpu.nextEip | 0;
            break;
          }
          case 49: {
            // REP STOSD, DF=0, no TF: ECX dwords (≤ REP_CHUNK) within one page at once, as REP MOVSD above
            const count = regs[1]! >>> 0;
            if (count !== 0 && count <= REP_CHUNK && (cpu.flags & (EFLAGS.DF | EFLAGS.TF)) === 0) {
              const len = count * 4;
              const di = regs[7]! >>> 0;
              const dLin = (cpu.segBase[0]! + di) | 0;
              const ed = cpu.tlb.entries[dLin >>> 12]!;
              if ((dLin & 0xfff) + len <= 0x1000 && di >= cpu.segLo[0]! && di + len - 1 <= cpu.segHiW[0]! && (ed & cpu.wrBit) !== 0 && cpu.codePages[ed >>> 12] === 0) {
                const pd = (ed & 0xfffff000) | (dLin & 0xfff);
                const v = regs[0]!;
                // Four equal bytes (a memset, such as clearing a page) are one fill.
                if ((((v & 0xff) * 0x01010101) | 0) === v) cpu.ramFill(pd, v & 0xff, len);
                else for (let p = pd; p < pd + len; p += 4) cpu.view.setInt32(p, v, true);
                regs[7] = (di + len) | 0;
                regs[1] = 0;
                eip = next;
                done++;
                continue;
              }
            }
            cpu.eip = eip;
            cpu.nextEip = next;
            fns[done]!(cpu, i);
            next = cpu.nextEip | 0;
            break;
          }
          case 50:
            // CLD
            cpu.flags &= ~EFLAGS.DF;
            eip = next;
            done++;
            continue;
          case 51:
            // STD
            cpu.flags |= EFLAGS.DF;
            eip = next;
            done++;
            continue;
          case 52:
            // NOT r
            regs[i.fa] = ~regs[i.fa]!;
            eip = next;
            done++;
            continue;
          case 53: {
            // NEG r: flags as SUB 0 − r
            const s = regs[i.fa]!;
            const r = (0 - s) | 0;
            regs[i.fa] = r;
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.SUB;
              cpu.lzDst = 0;
              cpu.lzSrc = s;
              cpu.lzRes = r;
              cpu.lzSize = 4;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
          }
          case 54: {
            // ADD/OR/AND/SUB/XOR m32, r32 or imm: the load, the store (a fault of either changes nothing), then the flags
            cpu.eip = eip;
            cpu.nextEip = next;
            const a = (((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0;
            const d = read32(cpu, i.seg, a);
            const s = i.fb >= 0 ? regs[i.fb]! : i.imm;
            const op = i.fa;
            const r = op === 0 ? (d + s) | 0 : op === 1 ? d | s : op === 2 ? d & s : op === 3 ? (d - s) | 0 : d ^ s;
            write32(cpu, i.seg, a, r);
            setLazy(cpu, op === 0 ? LAZY.ADD : op === 3 ? LAZY.SUB : LAZY.LOGIC, d, s, r, 4);
            break;
          }
          case 55: {
            // INC/DEC m32: the load, the store, then the flags with CF kept (as INC/DEC r above)
            cpu.eip = eip;
            cpu.nextEip = next;
            const a = (((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0;
            const d = read32(cpu, i.seg, a);
            const r = (d + i.fa) | 0;
            write32(cpu, i.seg, a, r);
            setLazyKeepCF(cpu, i.fa === 1 ? LAZY.ADD : LAZY.SUB, d, r, 4);
            break;
          }
          case 56:
            // MOVZX r32, r8
            regs[i.fa] = cpu.r8[i.fb]!;
            eip = next;
            done++;
            continue;
          case 57:
            // MOVZX r32, r16
            regs[i.fa] = cpu.r16[i.fb]!;
            eip = next;
            done++;
            continue;
          case 58:
            cpu.eip = eip;
            cpu.nextEip = next;
            // MOVZX r32, m16
            regs[i.fa] = read16(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            break;
          case 59: {
            // IMUL r32, r32: the low dword; CF = OF = the product does not fit (the double product is exact when it does)
            const d = regs[i.fa]!;
            const s = regs[i.fb]!;
            const r = Math.imul(d, s);
            regs[i.fa] = r;
            setResultFlags(cpu, r, 4, d * s === r ? 0 : EFLAGS.CF | EFLAGS.OF);
            eip = next;
            done++;
            continue;
          }
          case 60:
            cpu.eip = eip;
            cpu.nextEip = next;
            // MOV r8, m8
            cpu.r8[i.fa] = read8(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            break;
          case 61:
            cpu.eip = eip;
            cpu.nextEip = next;
            // MOV m8, r8
            write8(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0), cpu.r8[i.fb]!);
            break;
          case 62: {
            cpu.eip = eip;
            cpu.nextEip = next;
            // CMP m32, r32
            const d = read32(cpu, i.seg, ((((i.disp + (i.base >= 0 ? regs[i.base]! : 0)) | 0) + (i.index >= 0 ? Math.imul(regs[i.index]!, i.scale) : 0)) | 0));
            const s = regs[i.fb]!;
            cpu.lzOp = LAZY.SUB;
            cpu.lzDst = d;
            cpu.lzSrc = s;
            cpu.lzRes = (d - s) | 0;
            cpu.lzSize = 4;
            cpu.lazyMask = ARITH_FLAGS;
            break;
          }
          case 63:
            // TEST r8, r8
            if ((i.dead & elide) === 0) {
              cpu.lzOp = LAZY.LOGIC;
              cpu.lzRes = cpu.r8[i.fa]! & cpu.r8[i.fb]!;
              cpu.lzSize = 1;
              cpu.lazyMask = ARITH_FLAGS;
            }
            eip = next;
            done++;
            continue;
        default:
          cpu.eip = eip;
          cpu.nextEip = next;
          fns[done]!(cpu, i);
          next = cpu.nextEip | 0;
      }
      // After an instruction that touched memory or ran a handler (the others `continue` above).
      eip = next;
      done++;
      if (cpu.blockBreak === true) break;
    }
    // At a block boundary EIP and the next EIP agree, as after every instruction the handlers run.
    cpu.eip = eip;
    cpu.nextEip = eip;
    if (!chaining || cpu.blockBreak === true || cpu.stepTrap === true) {
      st.block = block;
      st.done = done;
      return total;
    }
    // Chaining, the whole block ran (`done` = its length): its cost is `Block.cost`.
    const cycles = cpu.cycles + block.cost;
    cpu.cycles = cycles;
    total += done;
    let next: Block | null = null;
    if (eip === block.succEip0) next = block.succ0;
    else if (eip === block.succEip1) next = block.succ1;
    else if (block.moreEips !== null) next = cachedSuccessor(block, eip);
    // It fits the budget (every block has an instruction, so this also stops at `total >= left`).
    const size = next === null ? 0 : next.insns.length | 0;
    if (
      next === null ||
      size > left - total ||
      cycles >= limit ||
      next.valid !== true ||
      (eip & ~0xfff) !== page ||
      next.region !== null ||
      (counting && (next.hits + 1 === jitThreshold || next.hits + 1 === compileAt4))
    ) {
      st.block = null;
      st.last = block;
      return total;
    }
    n = size;
    if (counting) next.hits++;
    host.current = next;
    block = next;
    start = eip;
  }
  } catch (e) {
    // A fault: the engine counts this block's instructions up to EIP (`RegionExit.at`).
    if (e !== FAULT) throw e;
    st.at = block;
    st.eip = start;
    return total;
  }
}

function setLogic(c: Cpu, r: number): void {
  c.lzOp = LAZY.LOGIC;
  c.lzRes = r;
  c.lzSize = 4;
  c.lazyMask = ARITH_FLAGS;
}

/** Flags of SHL/SHR/SAR by 1–31: CF and OF given, AF=0, ZF/SF/PF from the result (lazily). */
function shiftFlags(c: Cpu, r: number, cf: number, of: number): void {
  c.flags = (c.flags & ~(EFLAGS.CF | EFLAGS.OF | EFLAGS.AF)) | cf | of;
  c.lzOp = LAZY.LOGIC;
  c.lzRes = r;
  c.lzSize = 4;
  c.lazyMask = EFLAGS.ZF | EFLAGS.SF | EFLAGS.PF;
}

/** Rotates set CF and OF only: those two become concrete, the other status flags stay as they are (lazy or not). */
function setRotate(c: Cpu, cf: number, of: number): void {
  c.flags = (c.flags & ~(EFLAGS.CF | EFLAGS.OF)) | cf | (of << 11);
  c.lazyMask &= ~(EFLAGS.CF | EFLAGS.OF);
}

/** Runs an instruction through its handler: returns the next EIP it leaves. */
function viaHandler(c: Cpu, fn: Handler, i: Insn, next: number): number {
  c.nextEip = next;
  fn(c, i);
  return c.nextEip;
}

/** The target of a near transfer with 32-bit operand size: #GP(0) past CS.limit. */
function jumpTarget(c: Cpu, target: number): number {
  if (target >>> 0 > c.segLimit[1]!) raise(c, VECTOR.GP, 0);
  return target;
}

