/** @file Block compiler: a hot decoded block becomes one JavaScript function (operands as constants, lazy flags, the interpreter's own helpers for memory and everything not inlined). */
import type { Cpu } from '../cpu/cpu.ts';
import { ARITH_FLAGS, EFLAGS, getCF, LAZY } from '../cpu/eflags.ts';
import { read16, read32, read8, write32 } from '../cpu/memory.ts';
import { fastJcc, fastPop, fastPush } from '../exec/hot.ts';
import type { Insn } from '../exec/insn.ts';
import type { Handler } from '../exec/operands.ts';
import { raise, VECTOR } from '../cpu/fault.ts';

/**
 * A compiled block: runs ALL of the block's instructions (the engine uses it only when neither
 * the budget, an interrupt shadow nor single-step limits the count) and returns how many it
 * executed — fewer when one set `Cpu.blockBreak` (self-modifying store, REP yield, …). A fault
 * propagates exactly as from the interpreter: `Cpu.eip` is set before every instruction that can
 * fault, so the engine counts the instructions before it the same way.
 */
export type CompiledBlock = (cpu: Cpu, insns: readonly Insn[], fns: readonly Handler[]) => number;

/** The helpers compiled code calls, passed to the generated factory (no globals, no imports in generated code). */
const HELPERS = { R8: read8, R16: read16, R32: read32, W32: write32, GETCF: getCF, JCC: fastJcc, PUSH: fastPush, POP: fastPop, RAISE: raise } as const;
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
  /** How a following Jcc can test this instruction's flags from the locals d, s, v (null: through the lazy record). */
  readonly cond: CondSource | null;
}

/** What the locals d, s, v hold after an inlined flag-setting instruction (see `inlineCondition`). */
interface CondSource {
  readonly kind: 'sub' | 'add' | 'logic' | 'incdec' | 'shift';
  readonly size: 1 | 4;
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
  return { code, flags: o.flags ?? '', faults: o.faults ?? false, stores: o.stores ?? false, killsFlags: o.killsFlags ?? false, cond: o.cond ?? null };
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
    const kind = op.lazy === LAZY.LOGIC ? 'logic' : op.lazy === LAZY.ADD ? 'add' : 'sub';
    return piece(`d = ${dst}; s = ${src}; v = ${op.expr};${store}`, { flags: lazyFlags(op.lazy, true), faults: mem, killsFlags: !mem, cond: { kind, size: 4 } });
  }
  switch (h) {
    case 'test_ALIb':
      return piece(`d = r[0] & 255; s = ${i.imm & 0xff}; v = d & s;`, {
        flags: `cpu.lzOp = ${LAZY.LOGIC}; cpu.lzRes = v; cpu.lzSize = 1; cpu.lazyMask = ${ARITH_FLAGS};`,
        killsFlags: true,
        cond: { kind: 'logic', size: 1 },
      });
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
        { flags: lazyFlags(h === 'inc_Zv' ? LAZY.ADD : LAZY.SUB, false), cond: { kind: 'incdec', size: 4 } },
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
    cond: { kind: 'shift', size: 4 },
  });
}

/**
 * The JavaScript condition of Jcc `cc` (SDM encoding: cc>>1 picks O,B,Z,BE,S,P,L,LE; bit 0
 * negates) from the locals of the inlined instruction just before it, or null when only the
 * lazy record can answer (OF, PF, ADD's signed conditions, INC/DEC's CF).
 */
function inlineCondition(cc: number, c: CondSource): string | null {
  const k = c.kind;
  let e: string | null = null;
  switch (cc >> 1) {
    case 1:
      e = c.size !== 4 ? null : k === 'sub' ? '(d >>> 0) < (s >>> 0)' : k === 'add' ? '(v >>> 0) < (d >>> 0)' : k === 'logic' ? 'false' : k === 'shift' ? 's !== 0' : null;
      break;
    case 2:
      e = 'v === 0';
      break;
    case 3:
      e = c.size !== 4 ? null : k === 'sub' ? '(d >>> 0) <= (s >>> 0)' : k === 'logic' ? 'v === 0' : null;
      break;
    case 4:
      e = c.size === 4 ? 'v < 0' : null;
      break;
    case 6:
      e = c.size !== 4 ? null : k === 'sub' ? '(d | 0) < (s | 0)' : k === 'logic' ? 'v < 0' : null;
      break;
    case 7:
      e = c.size !== 4 ? null : k === 'sub' ? '(d | 0) <= (s | 0)' : k === 'logic' ? 'v <= 0' : null;
      break;
  }
  if (e === null) return null;
  return (cc & 1) === 0 ? `(${e})` : `!(${e})`;
}

/** `r[n]` in a piece's code: a register of `cpu.regs`, held in the local `rn` in compiled code. */
const REG_REF = /\br\[(\d)\]/g;
const REG_WRITE = /\br\[(\d)\] = /g;

/**
 * Compiles a decoded block of 32-bit code (`ipMask` = -1) into a `CompiledBlock`, or returns
 * null (16-bit code). Instructions without an inline form call their handler exactly as the
 * interpreter does (EIP and next EIP set first, `Cpu.blockBreak` checked after).
 *
 * Registers the inlined instructions use live in locals (`r0`…`r7`), loaded at block entry;
 * the ones written are stored back to `cpu.regs` before anything that can fault or that reads
 * `cpu.regs` itself (handlers, PUSH/POP, byte/word register views) and before every return,
 * and the locals are reloaded after a handler, so `cpu.regs` is exact wherever it is observed.
 * A Jcc right after an inlined flag-setting instruction tests that instruction's result
 * locals instead of the lazy flag record (which is still written for the next block).
 */
export function compileBlock(insns: readonly Insn[], ipMask: number): CompiledBlock | null {
  if (ipMask !== -1 || insns.length === 0) return null;
  const n = insns.length;
  const pieces = insns.map(inlineForm);
  const used = new Set<number>();
  for (const p of pieces) if (p !== null) for (const m of p.code.matchAll(REG_REF)) used.add(Number(m[1]));
  const locals = [...used].sort();
  const out: string[] = ['const r = cpu.regs;', 'const e0 = cpu.eip;', 'let d = 0, s = 0, v = 0;'];
  if (locals.length > 0) out.push(`let ${locals.map((k) => `r${k} = r[${k}]`).join(', ')};`);
  const dirty = new Set<number>();
  /** Stores the written locals back to cpu.regs. */
  const flush = (): string => {
    const code = [...dirty].map((k) => `r[${k}] = r${k};`).join(' ');
    dirty.clear();
    return code;
  };
  /** The same stores for a path that leaves the block (the locals stay dirty on the path that goes on). */
  const flushOnExit = (): string => [...dirty].map((k) => `r[${k}] = r${k};`).join(' ');
  const reload = locals.map((k) => `r${k} = r[${k}];`).join(' ');
  let off = 0;
  const eip = (o: number): string => (o === 0 ? 'e0' : `(e0 + ${o}) | 0`);
  for (let k = 0; k < n; k++) {
    const ins = insns[k]!;
    const next = off + ins.length;
    const p = pieces[k];
    const last = k === n - 1;
    if (p === null || p === undefined) {
      const isJcc = ins.row.handler === 'jcc_Jb' || ins.row.handler === 'jcc_Jz';
      const prev = k > 0 ? pieces[k - 1] : null;
      const cond = isJcc && last && ins.opsize === 4 && prev !== null && prev !== undefined && prev.cond !== null ? inlineCondition(ins.cc, prev.cond) : null;
      out.push(flush());
      if (cond !== null) {
        // The branch on the locals of the instruction before it; #GP(0) for a target past CS.limit, as fastJcc.
        out.push(`if (${cond}) { const t = (e0 + ${next + ins.imm}) | 0; if (t >>> 0 > cpu.segLimit[1]) { cpu.eip = ${eip(off)}; RAISE(cpu, ${VECTOR.GP}, 0); } cpu.eip = t; } else cpu.eip = ${eip(next)};`);
        out.push(`return ${n};`);
        off = next;
        continue;
      }
      out.push(`cpu.eip = ${eip(off)}; cpu.nextEip = ${eip(next)};`);
      // Jcc, the commonest block end, through its fast path.
      out.push(isJcc ? `JCC(cpu, I[${k}]);` : `F[${k}](cpu, I[${k}]);`);
      out.push('cpu.eip = cpu.nextEip;');
      out.push(last ? `return ${n};` : `if (cpu.blockBreak) return ${k + 1};`);
      if (!last && !isJcc) out.push(reload);
    } else {
      // Anything that can fault, or that reads cpu.regs itself, sees the registers exact.
      const calls = p.code.includes('PUSH(') || p.code.includes('POP(');
      if (p.faults || calls || p.code.includes('cpu.r8') || p.code.includes('cpu.r16')) out.push(flush());
      if (p.faults) out.push(`cpu.eip = ${eip(off)};`);
      const pn = pieces[k + 1];
      const dead = !last && pn !== null && pn !== undefined && pn.killsFlags;
      const code = p.code.replace('@', `${k}`).replace(REG_REF, 'r$1');
      for (const m of p.code.matchAll(REG_WRITE)) dirty.add(Number(m[1]));
      out.push(dead ? code : `${code} ${p.flags}`);
      if (calls && !last) out.push(reload);
      if (p.stores && !last) out.push(`if (cpu.blockBreak) { ${flushOnExit()} cpu.eip = ${eip(next)}; return ${k + 1}; }`);
      if (last) out.push(`${flush()} cpu.eip = ${eip(next)}; return ${n};`);
    }
    off = next;
  }
  const body = out.join('\n');
  // One factory per block: the helpers become constants of the generated closure.
  const factory = new Function(...HELPER_NAMES, `return function compiledBlock(cpu, I, F) {\n${body}\n};`) as (...h: unknown[]) => CompiledBlock;
  return factory(...HELPER_VALUES);
}
