/** @file Block compiler: a hot decoded block becomes one JavaScript function (operands as constants, lazy flags, the interpreter's own helpers for memory and everything not inlined). */
import type { Cpu } from '../cpu/cpu.ts';
import { ARITH_FLAGS, EFLAGS, getCF, LAZY } from '../cpu/eflags.ts';
import { read16, read32, read8, write32 } from '../cpu/memory.ts';
import { fastJcc, fastPop, fastPush } from '../exec/hot.ts';
import type { Insn } from '../exec/insn.ts';
import type { Handler } from '../exec/operands.ts';

/**
 * A compiled block: runs ALL of the block's instructions (the engine uses it only when neither
 * the budget, an interrupt shadow nor single-step limits the count) and returns how many it
 * executed — fewer when one set `Cpu.blockBreak` (self-modifying store, REP yield, …). A fault
 * propagates exactly as from the interpreter: `Cpu.eip` is set before every instruction that can
 * fault, so the engine counts the instructions before it the same way.
 */
export type CompiledBlock = (cpu: Cpu, insns: readonly Insn[], fns: readonly Handler[]) => number;

/** The helpers compiled code calls, passed to the generated factory (no globals, no imports in generated code). */
const HELPERS = { R8: read8, R16: read16, R32: read32, W32: write32, GETCF: getCF, JCC: fastJcc, PUSH: fastPush, POP: fastPop } as const;
const HELPER_NAMES = Object.keys(HELPERS);
const HELPER_VALUES = Object.values(HELPERS);

/** ALU operations the compiler inlines, by handler-name prefix: result expression and lazy kind. */
const ALU_OPS: Readonly<Record<string, { readonly expr: string; readonly lazy: number; readonly writes: boolean }>> = {
  add: { expr: '(d + s) | 0', lazy: LAZY.ADD, writes: true },
  sub: { expr: '(d - s) | 0', lazy: LAZY.SUB, writes: true },
  cmp: { expr: '(d - s) | 0', lazy: LAZY.SUB, writes: false },
  and: { expr: 'd & s', lazy: LAZY.LOGIC, writes: true },
  or: { expr: 'd | s', lazy: LAZY.LOGIC, writes: true },
  xor: { expr: 'd ^ s', lazy: LAZY.LOGIC, writes: true },
  test: { expr: 'd & s', lazy: LAZY.LOGIC, writes: false },
};

/** How one instruction is compiled. */
interface Piece {
  /** The statement(s); `FLAGS` marks where its flag update goes. */
  readonly code: string;
  /** The flag update (lazy record), dropped when the next instruction overwrites all six flags unread. */
  readonly flags: string;
  /** Can fault (memory access): EIP must be exact before it. */
  readonly faults: boolean;
  /** Stores to memory (a code-page write ends the block after it). */
  readonly stores: boolean;
  /** Writes all six arithmetic flags without reading any (and cannot fault). */
  readonly killsFlags: boolean;
}

function byteReg(n: number): number {
  return ((n & 3) << 2) | (n >> 2);
}

/** The effective-address expression of a 32-bit-addressing memory operand (same sum as `ea()`). */
function eaExpr(i: Insn): string {
  let e = `${i.disp}`;
  if (i.base >= 0) e += ` + r[${i.base}]`;
  if (i.index >= 0) e += ` + r[${i.index}] * ${i.scale}`;
  return `((${e}) | 0)`;
}

function lazyFlags(kind: number, full: boolean): string {
  if (kind === LAZY.LOGIC) return `cpu.lzOp = ${LAZY.LOGIC}; cpu.lzRes = v; cpu.lzSize = 4; cpu.lazyMask = ${ARITH_FLAGS};`;
  return `cpu.lzOp = ${kind}; cpu.lzDst = d; cpu.lzSrc = s; cpu.lzRes = v; cpu.lzSize = 4; cpu.lazyMask = ${full ? ARITH_FLAGS : ARITH_FLAGS & ~EFLAGS.CF};`;
}

function piece(code: string, o: Partial<Omit<Piece, 'code'>> = {}): Piece {
  return { code, flags: o.flags ?? '', faults: o.faults ?? false, stores: o.stores ?? false, killsFlags: o.killsFlags ?? false };
}

/** The inline form of `i`, or null to call its handler. Only 32-bit operand and address sizes are inlined. */
function inlineForm(i: Insn): Piece | null {
  if (i.opsize !== 4 || i.ud || (i.hasMem && i.adsize !== 4)) return null;
  const h = i.row.handler;
  const mem = i.mod !== 3;
  const us = h.indexOf('_');
  const op = ALU_OPS[h.slice(0, us)];
  const form = h.slice(us + 1);
  if (op !== undefined) {
    let dst: string;
    let src: string;
    let dn: number;
    if (form === 'EvGv' || form === 'GvEv') {
      const regIsDst = form === 'GvEv';
      // A memory destination (read-modify-write) goes through the handler.
      if (mem && !regIsDst && op.writes) return null;
      const memVal = mem ? `R32(cpu, ${i.seg}, ${eaExpr(i)})` : '';
      dn = regIsDst ? i.reg : i.rm;
      dst = regIsDst ? `r[${i.reg}]` : mem ? memVal : `r[${i.rm}]`;
      src = regIsDst ? (mem ? memVal : `r[${i.rm}]`) : `r[${i.reg}]`;
    } else if (form === 'EvIb' || form === 'EvIz' || form === 'EvIbs') {
      if (mem && op.writes) return null;
      dn = i.rm;
      dst = mem ? `R32(cpu, ${i.seg}, ${eaExpr(i)})` : `r[${i.rm}]`;
      src = `${i.imm}`;
    } else if (form === 'eAXIz') {
      dn = 0;
      dst = 'r[0]';
      src = `${i.imm}`;
    } else return null;
    const store = op.writes ? ` r[${dn}] = v;` : '';
    return piece(`d = ${dst}; s = ${src}; v = ${op.expr};${store}`, { flags: lazyFlags(op.lazy, true), faults: mem, killsFlags: !mem });
  }
  switch (h) {
    case 'mov_EvGv':
      return mem ? piece(`W32(cpu, ${i.seg}, ${eaExpr(i)}, r[${i.reg}]);`, { faults: true, stores: true }) : piece(`r[${i.rm}] = r[${i.reg}];`);
    case 'mov_GvEv':
      return piece(`r[${i.reg}] = ${mem ? `R32(cpu, ${i.seg}, ${eaExpr(i)})` : `r[${i.rm}]`};`, { faults: mem });
    case 'mov_ZvIv':
      return piece(`r[${i.zreg}] = ${i.imm};`);
    case 'mov_EvIz':
      return mem ? piece(`W32(cpu, ${i.seg}, ${eaExpr(i)}, ${i.imm});`, { faults: true, stores: true }) : piece(`r[${i.rm}] = ${i.imm};`);
    case 'lea_GvM':
      return mem ? piece(`r[${i.reg}] = ${eaExpr(i)};`) : null;
    case 'movzx_GvEb':
      return piece(`r[${i.reg}] = ${mem ? `R8(cpu, ${i.seg}, ${eaExpr(i)})` : `cpu.r8[${byteReg(i.rm)}]`};`, { faults: mem });
    case 'movzx_GvEw':
      return piece(`r[${i.reg}] = ${mem ? `R16(cpu, ${i.seg}, ${eaExpr(i)})` : `cpu.r16[${i.rm << 1}]`};`, { faults: mem });
    case 'movsx_GvEb':
      return piece(`r[${i.reg}] = (${mem ? `R8(cpu, ${i.seg}, ${eaExpr(i)})` : `cpu.r8[${byteReg(i.rm)}]`} << 24) >> 24;`, { faults: mem });
    case 'push_Zv':
      // Through the interpreter's fast path (it checks SS.B itself); `@` is this instruction's index.
      return piece('PUSH(cpu, I[@]);', { faults: true, stores: true });
    case 'pop_Zv':
      return piece('POP(cpu, I[@]);', { faults: true });
    case 'inc_Zv':
    case 'dec_Zv':
      // CF is kept: materialized from the previous lazy record first (setLazyKeepCF).
      return piece(
        `if ((cpu.lazyMask & ${EFLAGS.CF}) !== 0) cpu.flags = (cpu.flags & ${~EFLAGS.CF}) | GETCF(cpu); d = r[${i.zreg}]; s = 1; v = (d ${h === 'inc_Zv' ? '+' : '-'} 1) | 0; r[${i.zreg}] = v;`,
        { flags: lazyFlags(h === 'inc_Zv' ? LAZY.ADD : LAZY.SUB, false) },
      );
    case 'shl_EvIb':
    case 'shr_EvIb':
    case 'sar_EvIb':
    case 'shl_Ev1':
    case 'shr_Ev1':
    case 'sar_Ev1':
      return shiftForm(i, h);
    default:
      return null;
  }
}

/** SHL/SHR/SAR r32 by a constant 1–31 (as `fastShift`): CF, OF by the count-1 rule, AF=0, SF/ZF/PF lazy. */
function shiftForm(i: Insn, h: string): Piece | null {
  const k = (h.endsWith('1') ? 1 : i.imm) & 0x1f;
  if (i.mod !== 3 || k === 0) return null;
  const n = i.rm;
  let body: string;
  if (h.startsWith('shl')) body = `d = r[${n}]; v = d << ${k}; s = (d >>> ${32 - k}) & 1; d = (v >>> 31) ^ s;`;
  else if (h.startsWith('shr')) body = `d = r[${n}] >>> ${k - 1}; v = (d >>> 1) | 0; s = d & 1; d = ((d ^ v) >>> 31) & 1;`;
  else body = `d = r[${n}] >> ${k - 1}; v = d >> 1; s = d & 1; d = 0;`;
  // s = CF, d = OF (0/1) once the result v is computed.
  return piece(`${body} r[${n}] = v;`, {
    flags: `cpu.flags = (cpu.flags & ${~(EFLAGS.CF | EFLAGS.OF | EFLAGS.AF)}) | s | (d << 11); cpu.lzOp = ${LAZY.LOGIC}; cpu.lzRes = v; cpu.lzSize = 4; cpu.lazyMask = ${EFLAGS.ZF | EFLAGS.SF | EFLAGS.PF};`,
    killsFlags: true,
  });
}

/**
 * Compiles a decoded block of 32-bit code (`ipMask` = -1) into a `CompiledBlock`, or returns
 * null (16-bit code). Instructions without an inline form call their handler exactly as the
 * interpreter does (EIP and next EIP set first, `Cpu.blockBreak` checked after).
 */
export function compileBlock(insns: readonly Insn[], ipMask: number): CompiledBlock | null {
  if (ipMask !== -1 || insns.length === 0) return null;
  const n = insns.length;
  const pieces = insns.map(inlineForm);
  const out: string[] = ['const r = cpu.regs;', 'const e0 = cpu.eip;', 'let d = 0, s = 0, v = 0;'];
  let off = 0;
  const eip = (o: number): string => (o === 0 ? 'e0' : `(e0 + ${o}) | 0`);
  for (let k = 0; k < n; k++) {
    const ins = insns[k]!;
    const next = off + ins.length;
    const p = pieces[k];
    const last = k === n - 1;
    if (p === null || p === undefined) {
      out.push(`cpu.eip = ${eip(off)}; cpu.nextEip = ${eip(next)};`);
      // Jcc, the commonest block end, through its fast path.
      out.push(ins.row.handler === 'jcc_Jb' || ins.row.handler === 'jcc_Jz' ? `JCC(cpu, I[${k}]);` : `F[${k}](cpu, I[${k}]);`);
      out.push('cpu.eip = cpu.nextEip;');
      out.push(last ? `return ${n};` : `if (cpu.blockBreak) return ${k + 1};`);
    } else {
      if (p.faults) out.push(`cpu.eip = ${eip(off)};`);
      const pn = pieces[k + 1];
      const dead = !last && pn !== null && pn !== undefined && pn.killsFlags;
      const code = p.code.replace('@', `${k}`);
      out.push(dead ? code : `${code} ${p.flags}`);
      if (p.stores && !last) out.push(`if (cpu.blockBreak) { cpu.eip = ${eip(next)}; return ${k + 1}; }`);
      if (last) out.push(`cpu.eip = ${eip(next)}; return ${n};`);
    }
    off = next;
  }
  const body = out.join('\n');
  // One factory per block: the helpers become constants of the generated closure.
  const factory = new Function(...HELPER_NAMES, `return function compiledBlock(cpu, I, F) {\n${body}\n};`) as (...h: unknown[]) => CompiledBlock;
  return factory(...HELPER_VALUES);
}
