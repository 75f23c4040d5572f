/** @file Intel-syntax text of a decoded instruction, following `objdump -M intel` (binutils 2.40) as closely as practical. */
import { OPF, OPK, PREFIX, type Instruction, type Operand } from '../decode/instruction.ts';
import { AMD3DNOW_SUFFIX } from '../table/amd-3dnow.ts';
import { NODE, OPCODE_MAPS, ROW_OPERANDS } from '../table/opcode-table.ts';
import { AM, SZ, type OperandSpec } from '../table/operand-spec.ts';

const GPR = [
  [], ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'], ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'], [],
  ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'],
] as const;
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?'];
const PTR: Readonly<Record<number, string>> = {
  1: 'BYTE PTR ', 2: 'WORD PTR ', 4: 'DWORD PTR ', 6: 'FWORD PTR ', 8: 'QWORD PTR ', 10: 'TBYTE PTR ', 16: 'XMMWORD PTR ',
};
const CMP_PREDICATES = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
/** Mnemonics whose spelling carries the operand size: [32-bit form, 16-bit form]. */
const SIZED: Readonly<Record<string, readonly [string, string]>> = {
  pusha: ['pusha', 'pushaw'], popa: ['popa', 'popaw'], pushf: ['pushf', 'pushfw'], popf: ['popf', 'popfw'],
  iret: ['iret', 'iretw'], cwde: ['cwde', 'cbw'], cdq: ['cdq', 'cwd'], ret: ['ret', 'retw'], retf: ['retf', 'retfw'],
  sgdt: ['sgdtd', 'sgdtw'], sidt: ['sidtd', 'sidtw'], lgdt: ['lgdtd', 'lgdtw'], lidt: ['lidtd', 'lidtw'],
};
/** The same forms in a 16-bit code segment: [16-bit form, 32-bit form]. */
const SIZED16: Readonly<Record<string, readonly [string, string]>> = {
  pusha: ['pusha', 'pushad'], popa: ['popa', 'popad'], pushf: ['pushf', 'pushfd'], popf: ['popf', 'popfd'],
  iret: ['iret', 'iretd'], cwde: ['cbw', 'cwde'], cdq: ['cwd', 'cdq'], ret: ['ret', 'retd'], retf: ['retf', 'retfd'],
  sgdt: ['sgdtw', 'sgdtd'], sidt: ['sidtw', 'sidtd'], lgdt: ['lgdtw', 'lgdtd'], lidt: ['lidtw', 'lidtd'],
};
/** Handlers whose mnemonic gets objdump's `w` suffix under a 66 prefix (the operand alone does not show the size). */
const W_SUFFIX = new Set(['call_Jz', 'jmp_Jz', 'enter_IwIb', 'leave', 'frstor_M', 'fnsave_M', 'fldenv_M', 'fnstenv_M', 'push_Iz', 'push_Ib', 'push_ES', 'push_CS', 'push_SS', 'push_DS', 'push_FS', 'push_GS',
  'pop_ES', 'pop_SS', 'pop_DS', 'pop_FS', 'pop_GS']);
const FN_WAIT: Readonly<Record<string, string>> = {
  fnstcw: 'fstcw', fnstsw: 'fstsw', fnstenv: 'fstenv', fnsave: 'fsave', fnclex: 'fclex', fninit: 'finit', fneni: 'feni', fndisi: 'fdisi', fnsetpm: 'fsetpm',
};
/** x87 forms objdump annotates as obsolete. */
const OBSOLETE: Readonly<Record<string, string>> = {
  fneni: 'fneni(8087 only)', fndisi: 'fndisi(8087 only)', feni: 'feni(8087 only)', fdisi: 'fdisi(8087 only)', fsetpm: 'fsetpm(287 only)',
  fnsetpm: 'fnsetpm(287 only)', frstpm: 'frstpm(287 only)',
};
/** Near branches before which objdump spells F2 as the MPX `bnd` prefix. */
const BND_BRANCHES = new Set(['jcc_Jb', 'jcc_Jz', 'jmp_Jb', 'jmp_Jz', 'jmp_Ev', 'call_Jz', 'call_Ev', 'ret', 'ret_Iw']);
/** MOV-to-memory forms before which objdump spells F3 as `xrelease`. */
const XRELEASE_MOV = new Set(['mov_EbGb', 'mov_EvGv', 'mov_EbIb', 'mov_EvIz']);
const STRING_REP = new Set(['movs', 'stos', 'lods', 'ins', 'outs']);

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
const signedHex = (v: number) => (v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`);
const mask = (v: number, size: number) => (size >= 4 ? v >>> 0 : v & ((1 << (size * 8)) - 1));

/**
 * Formats `ins`, decoded from `bytes` at `offset`, as objdump would print it at `address`
 * (mnemonic padded to 6 columns, then operands; unused prefixes spelled out in front).
 */
export function formatInstruction(decoded: Instruction, bytes: Uint8Array, offset: number, address: number, mode: 16 | 32): string {
  let ins = decoded;
  const row = ins.row;
  if (row.flags & (OPF.TRUNCATED | OPF.TOO_LONG)) return row.mnemonic;
  const specs: readonly OperandSpec[] = ROW_OPERANDS[ins.id] ?? [];
  let mnemonic = row.mnemonic;
  let operands = ins.operands;
  let xchgNop = false;
  const o16 = ins.opsize === 2;
  const sized = mode === 32 ? SIZED[mnemonic] : SIZED16[mnemonic];
  if (sized) mnemonic = mode === 32 ? sized[o16 ? 1 : 0] : sized[o16 ? 0 : 1];
  else if (W_SUFFIX.has(row.handler) && (mode === 32 ? o16 : !o16)) mnemonic += mode === 32 ? 'w' : 'd';
  if (mnemonic === 'jecxz' && ins.adsize === 2) mnemonic = 'jcxz';
  if (row.handler === 'nop' && row.mandatory === 0 && (mode === 32 ? o16 : !o16) && bytes[offset + ins.length - 1] === 0x90) {
    operands = [{ kind: OPK.GPR, size: ins.opsize, reg: 0, value: 0 }, { kind: OPK.GPR, size: ins.opsize, reg: 0, value: 0 }];
    mnemonic = 'xchg';
    xchgNop = true;
  }
  if (row.handler === 'amd3dnow_PqQqIb') {
    mnemonic = AMD3DNOW_SUFFIX[ins.imm] ?? mnemonic;
    operands = operands.slice(0, 2);
    // objdump widens the operands to XMM under a 66 prefix.
    if (o16) operands = operands.map((o) => (o.kind === OPK.MMX ? { ...o, kind: OPK.XMM } : o.kind === OPK.MEM ? { ...o, size: 16 } : o));
  }
  if (/^cmp(ps|pd|ss|sd)$/.test(mnemonic) && ins.imm < 8) {
    mnemonic = `cmp${CMP_PREDICATES[ins.imm]}${mnemonic.slice(3)}`;
    operands = operands.slice(0, 2);
  }
  if (ins.prefixes & PREFIX.WAIT) mnemonic = FN_WAIT[mnemonic] ?? mnemonic;

  // Which prefixes the instruction used; the others are printed by name, in byte order.
  const hasMem = operands.some((o) => o.kind === OPK.MEM || o.kind === OPK.STR_SRC || o.kind === OPK.STR_DST) || row.handler === 'xlat';
  const bad = row.mnemonic === '(bad)';
  const segUsed = operands.some((o) => o.kind === OPK.MEM || o.kind === OPK.STR_SRC) || row.handler === 'xlat' || (bad && ins.hasMem);
  const selector = bad ? prefixSelector(bytes, offset, ins) : 0;
  const opsizeUsed = row.mandatory === 0x66 || row.handler === 'amd3dnow_PqQqIb' || xchgNop || selector === 0x66 || !!sized || W_SUFFIX.has(row.handler) ||
    specs.some((s, i) => s.size < 0 && !(s.size === SZ.VW && operands[i]?.kind === OPK.MEM));
  // objdump names 67 before a moffs operand, and (in 16-bit code) before an absolute 32-bit address.
  const absolute32 = mode === 16 && ins.adsize === 4 && ins.hasMem && ins.base < 0 && ins.index < 0 && ins.sib < 0;
  const adsizeUsed = (hasMem && !specs.some((s) => s.am === AM.O) && !absolute32) || mnemonic === 'jcxz' || mnemonic === 'jecxz';
  const repUsed = (row.flags & OPF.STRING) !== 0 || ((row.mandatory === 0xf3 || row.mandatory === 0xf2) && row.handler !== 'pmovmskb_GdNq') ||
    selector === 0xf2;
  const names: string[] = [];
  const lock = bytes.subarray(offset, offset + ins.length).includes(0xf0) && (ins.prefixes & PREFIX.LOCK) !== 0;
  const hle = ins.hasMem && row.flags & OPF.LOCKABLE && (lock || row.mnemonic === 'xchg');
  const xrelease = ins.hasMem && XRELEASE_MOV.has(row.handler);
  const lockCr = lock && operands.some((o) => o.kind === OPK.CREG);
  if (lockCr) operands = operands.map((o) => (o.kind === OPK.CREG ? { ...o, reg: o.reg + 8 } : o));
  let end = offset;
  while (end < offset + ins.length - 1 && (isPrefix(bytes[end] as number) || bytes[end] === 0x9b)) end++;
  if (row.handler === 'fwait') end = offset + ins.length;
  const lastOf = (test: (b: number) => boolean) => {
    for (let p = end - 1; p >= offset; p--) if (test(bytes[p] as number)) return p;
    return -1;
  };
  const lastSegAny = lastOf(isSegPrefix);
  const notrack = (row.handler === 'jmp_Ev' || row.handler === 'call_Ev') && lastSegAny >= 0 && bytes[lastSegAny] === 0x3e ? lastSegAny : -1;
  if (notrack >= 0) ins = { ...ins, prefixes: ins.prefixes & ~PREFIX.SEG };
  const lastSeg = segUsed && notrack < 0 ? lastSegAny : -1;
  const lastOp = opsizeUsed ? lastOf((b) => b === 0x66) : -1;
  const lastAd = adsizeUsed ? lastOf((b) => b === 0x67) : -1;
  const lastRepAny = lastOf((b) => b === 0xf2 || b === 0xf3);
  const lastRep = repUsed ? lastRepAny : -1;
  for (let p = offset; p < end; p++) {
    const b = bytes[p] as number;
    if (b === 0x9b) continue;
    if (p === lastSeg || p === lastOp || p === lastAd) continue;
    if (b === 0xf2 && p === lastRepAny && BND_BRANCHES.has(row.handler)) {
      names.push('bnd'); // MPX branch prefix
      continue;
    }
    if (((b === 0xf2 || b === 0xf3) && p !== lastRep && hle) || (b === 0xf3 && xrelease)) {
      names.push(b === 0xf2 ? 'xacquire' : 'xrelease'); // TSX lock-elision hints
      continue;
    }
    if (b === 0xf0 && lockCr) continue;
    if (p === notrack) {
      names.push('notrack'); // CET: 3E before an indirect near jmp/call
      continue;
    }
    if (p === lastRep) {
      if (row.flags & OPF.STRING) names.push(b === 0xf2 ? 'repnz' : STRING_REP.has(row.mnemonic) ? 'rep' : 'repz');
      continue;
    }
    names.push(prefixName(b, mode));
  }
  if (row.mnemonic === '(bad)') {
    // An undefined x87 escape with a memory operand: objdump shows the address without a size.
    const memory = row.flags & OPF.MODRM && ins.hasMem ? ` ${formatMemory(ins, { kind: OPK.MEM, size: 0, reg: -1, value: 0 }, undefined)}` : '';
    // objdump names the unused prefixes of an undefined one-byte opcode, not of an undefined 0F-map one.
    return `${names.join(' ')}${names.length ? ' ' : ''}(bad)${memory}`;
  }
  if (row.handler === 'xlat') {
    const seg = ins.prefixes & PREFIX.SEG ? SSEG(ins.seg) : 'ds';
    return `${[...names, 'xlat'].join(' ').padEnd(6)} BYTE PTR ${seg}:[${ins.adsize === 2 ? 'bx' : 'ebx'}]`;
  }
  mnemonic = OBSOLETE[mnemonic] ?? mnemonic;
  const head = [...names, mnemonic].join(' ');
  if (operands.length === 0) return head;
  let text = operands.map((o, i) => formatOperand(ins, o, specs[i], address, mode)).join(',');
  if (row.mnemonic === 'sha256rnds2') text += ',xmm0'; // implicit third operand
  return `${head.padEnd(6)} ${text}`;
}

/**
 * For an undefined encoding whose opcode has mandatory-prefix forms: the prefix objdump consumed
 * to select the (undefined) form — the last F2/F3, else 66 — or 0xf2 as a stand-in for "a rep prefix".
 */
function prefixSelector(bytes: Uint8Array, offset: number, ins: Instruction): number {
  let p = offset;
  while (p < offset + ins.length && isPrefix(bytes[p] as number)) p++;
  if (bytes[p] !== 0x0f) return 0;
  let map = 1;
  let op = bytes[p + 1] as number;
  if (op === 0x38 || op === 0x3a) {
    map = op === 0x38 ? 2 : 3;
    op = bytes[p + 2] as number;
  }
  const entry = OPCODE_MAPS[map]?.[op];
  if (typeof entry !== 'object' || entry.kind !== NODE.PREFIX) return 0;
  if (ins.prefixes & (PREFIX.REP | PREFIX.REPNE)) return 0xf2;
  return ins.prefixes & PREFIX.OPSIZE ? 0x66 : 0;
}

function isSegPrefix(b: number): boolean {
  return b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65;
}

function isPrefix(b: number): boolean {
  return isSegPrefix(b) || b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3;
}

function prefixName(b: number, mode: 16 | 32): string {
  switch (b) {
    case 0x66: return mode === 32 ? 'data16' : 'data32';
    case 0x67: return mode === 32 ? 'addr16' : 'addr32';
    case 0xf0: return 'lock';
    case 0xf2: return 'repnz';
    case 0xf3: return 'repz';
    case 0x9b: return 'fwait';
    default: return SREG[b === 0x64 ? 4 : b === 0x65 ? 5 : (b >> 3) & 3] as string;
  }
}

function reg(size: number, n: number): string {
  return (GPR[size as 1 | 2 | 4] ?? GPR[4])[n] ?? '?';
}

function formatOperand(ins: Instruction, o: Operand, spec: OperandSpec | undefined, address: number, mode: 16 | 32): string {
  switch (o.kind) {
    case OPK.GPR: return reg(o.size, o.reg);
    case OPK.SREG: return SREG[o.reg] as string;
    case OPK.CREG: return `cr${o.reg}`;
    case OPK.DREG: return `dr${o.reg}`;
    case OPK.TREG: return `tr${o.reg}`;
    case OPK.ST: return spec && spec.reg === 0 ? 'st' : `st(${o.reg})`;
    case OPK.MMX: return `mm${o.reg}`;
    case OPK.XMM: return `xmm${o.reg}`;
    case OPK.IMM: return hex(mask(o.value, o.size));
    case OPK.CONST: return String(o.value);
    case OPK.FAR: return `${hex(o.reg)}:${hex(o.value)}`;
    case OPK.REL: {
      const target = address + ins.length + o.value;
      // A 16-bit target wraps within its 64 KiB (objdump keeps the bits above 16 of the address in 16-bit code).
      if (o.size === 2 && mode === 32) return hex(target & 0xffff);
      if (o.size === 2) return hex(((address & ~0xffff) | (target & 0xffff)) >>> 0);
      return hex(target >>> 0);
    }
    case OPK.STR_SRC: {
      const seg = ins.prefixes & PREFIX.SEG ? SSEG(ins.seg) : 'ds';
      return `${PTR[o.size] ?? ''}${seg}:[${ins.adsize === 2 ? 'si' : 'esi'}]`;
    }
    case OPK.STR_DST: return `${PTR[o.size] ?? ''}es:[${ins.adsize === 2 ? 'di' : 'edi'}]`;
    default: return formatMemory(ins, o, spec);
  }
}

const SSEG = (s: number) => SREG[s] as string;

function formatMemory(ins: Instruction, o: Operand, spec: OperandSpec | undefined): string {
  const h = ins.row.handler;
  const size = /^[ls][gi]dt_Ms$/.test(h) ? 0 : o.size;
  const ptr = PTR[size] ?? '';
  const override = ins.prefixes & PREFIX.SEG ? `${SSEG(ins.seg)}:` : '';
  if (spec && spec.am === AM.O) return `${override || 'ds:'}${hex(ins.disp)}`; // moffs: no size, segment always shown
  const a16 = ins.adsize === 2;
  const parts: string[] = [];
  if (ins.base >= 0) parts.push(reg(a16 ? 2 : 4, ins.base));
  if (ins.index >= 0) parts.push(a16 ? reg(2, ins.index) : `${reg(4, ins.index)}*${ins.scale}`);
  else if (ins.sib >= 0 && ((ins.sib >> 3) & 7) === 4 && !(ins.base === 4 && ins.scale === 1)) parts.push(`eiz*${ins.scale}`);
  if (parts.length === 0) return `${ptr}${override || 'ds:'}${hex(a16 ? ins.disp & 0xffff : ins.disp)}`;
  let addr = parts.join('+');
  const noBase32 = !a16 && ins.base < 0;
  if (ins.mod !== 0 || noBase32) addr += signedHex(ins.disp);
  return `${ptr}${override}[${addr}]`;
}
