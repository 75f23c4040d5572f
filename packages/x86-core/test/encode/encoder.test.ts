/** @file Encoder tests: the translator's forms byte-exact (bytes as objdump reads them), and encode → decode round trips over real and random code. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RANDOM_STREAMS, randomStreamBytes } from '../../scripts/random-stream.ts';
import { decode } from '../../src/decode/decoder.ts';
import { OPF, OPK, PREFIX, REG, SEG, type Instruction } from '../../src/decode/instruction.ts';
import { formatInstruction } from '../../src/disasm/intel-syntax.ts';
import { encode, EncodeError, requestOf, type EncodeOperand, type EncodeRequest } from '../../src/encode/encoder.ts';

const r = (reg: number): EncodeOperand => ({ kind: OPK.GPR, reg });
const sreg = (reg: number): EncodeOperand => ({ kind: OPK.SREG, reg });
const imm = (value: number): EncodeOperand => ({ kind: OPK.IMM, value });
const rel = (value: number): EncodeOperand => ({ kind: OPK.REL, value });
const m = (base: number, index = -1, scale: 1 | 2 | 4 | 8 = 1, disp = 0): EncodeOperand => ({ kind: OPK.MEM, mem: { base, index, scale, disp } });
const fixed: EncodeOperand = { kind: OPK.GPR };
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
const text = (b: Uint8Array) => formatInstruction(decode(b, 0, 32), b, 0, 0x1000, 32).replace(/\s+/g, ' ');

/** The translator's forms: request, expected bytes, and objdump's text for them at address 0x1000. */
const FORMS: [EncodeRequest, string, string][] = [
  [{ row: 'mov_EvGv', operands: [r(REG.EBX), r(REG.EAX)] }, '89 c3', 'mov ebx,eax'],
  [{ row: 'mov_GvEv', operands: [r(REG.EAX), m(REG.EBP, -1, 1, -8)] }, '8b 45 f8', 'mov eax,DWORD PTR [ebp-0x8]'],
  [{ row: 'mov_EvGv', operands: [m(REG.ESP, -1, 1, 4), r(REG.ECX)] }, '89 4c 24 04', 'mov DWORD PTR [esp+0x4],ecx'],
  [{ row: 'mov_EvIz', operands: [m(-1, -1, 1, 0x1234), imm(0xdeadbeef)], seg: SEG.GS }, '65 c7 05 34 12 00 00 ef be ad de', 'mov DWORD PTR gs:0x1234,0xdeadbeef'],
  [{ row: 'mov_GvEv', operands: [r(REG.EDX), m(REG.EAX, REG.ECX, 4, 0x100)], seg: SEG.GS }, '65 8b 94 88 00 01 00 00', 'mov edx,DWORD PTR gs:[eax+ecx*4+0x100]'],
  [{ row: 'mov_EbGb', operands: [m(REG.EBP), r(4)] }, '88 65 00', 'mov BYTE PTR [ebp+0x0],ah'],
  [{ row: 'mov_EvGv', operands: [m(REG.EBX), r(REG.EAX)], opsize: 2, seg: SEG.FS }, '64 66 89 03', 'mov WORD PTR fs:[ebx],ax'],
  [{ row: 'mov_ZvIv', operands: [r(REG.EDI), imm(0x80000000)] }, 'bf 00 00 00 80', 'mov edi,0x80000000'],
  [{ row: 'mov_eAXOv', operands: [fixed, m(-1, -1, 1, 0xc0001000)], seg: SEG.GS }, '65 a1 00 10 00 c0', 'mov eax,gs:0xc0001000'],
  [{ row: 'mov_EvSw', operands: [r(REG.EAX), sreg(SEG.CS)] }, '8c c8', 'mov eax,cs'],
  [{ row: 'mov_SwEw', operands: [sreg(SEG.DS), m(REG.ESI)] }, '8e 1e', 'mov ds,WORD PTR [esi]'],
  [{ row: 'push_Zv', operands: [r(REG.EBP)] }, '55', 'push ebp'],
  [{ row: 'pop_Zv', operands: [r(REG.EDI)] }, '5f', 'pop edi'],
  [{ row: 'push_Ev', operands: [m(REG.EAX, -1, 1, 8)], seg: SEG.GS }, '65 ff 70 08', 'push DWORD PTR gs:[eax+0x8]'],
  [{ row: 'pop_Ev', operands: [m(-1, -1, 1, 0x2000)] }, '8f 05 00 20 00 00', 'pop DWORD PTR ds:0x2000'],
  [{ row: 'push_Ib', operands: [imm(-2)] }, '6a fe', 'push 0xfffffffe'],
  [{ row: 'push_Iz', operands: [imm(0x12345678)] }, '68 78 56 34 12', 'push 0x12345678'],
  [{ row: 'push_FS', operands: [fixed] }, '0f a0', 'push fs'],
  [{ row: 'pop_DS', operands: [fixed] }, '1f', 'pop ds'],
  [{ row: 'pushf', operands: [] }, '9c', 'pushf'],
  [{ row: 'popf', operands: [] }, '9d', 'popf'],
  [{ row: 'jmp_Jb', operands: [rel(-2)] }, 'eb fe', 'jmp 0x1000'],
  [{ row: 'jmp_Jz', operands: [rel(0x100)] }, 'e9 00 01 00 00', 'jmp 0x1105'],
  [{ row: 'jcc_Jb', cc: 4, operands: [rel(5)] }, '74 05', 'je 0x1007'],
  [{ row: 'jcc_Jz', cc: 15, operands: [rel(-0x10)] }, '0f 8f f0 ff ff ff', 'jg 0xff6'],
  [{ row: 'call_Jz', operands: [rel(0)] }, 'e8 00 00 00 00', 'call 0x1005'],
  [{ row: 'call_Ev', operands: [r(REG.EAX)] }, 'ff d0', 'call eax'],
  [{ row: 'jmp_Ev', operands: [m(-1, REG.EAX, 4, 0x8000)], seg: SEG.GS }, '65 ff 24 85 00 80 00 00', 'jmp DWORD PTR gs:[eax*4+0x8000]'],
  [{ row: 'call_Mp', operands: [m(REG.EBX)] }, 'ff 1b', 'call FWORD PTR [ebx]'],
  [{ row: 'jmp_Ap', operands: [{ kind: OPK.FAR, value: 0x12345678, reg: 0x08 }] }, 'ea 78 56 34 12 08 00', 'jmp 0x8:0x12345678'],
  [{ row: 'ret', operands: [] }, 'c3', 'ret'],
  [{ row: 'ret_Iw', operands: [imm(8)] }, 'c2 08 00', 'ret 0x8'],
  [{ row: 'movzx_GvEb', operands: [r(REG.EAX), m(REG.ESI, -1, 1, 1)], seg: SEG.ES }, '26 0f b6 46 01', 'movzx eax,BYTE PTR es:[esi+0x1]'],
  [{ row: 'movzx_GvEw', operands: [r(REG.ECX), r(REG.EDX)] }, '0f b7 ca', 'movzx ecx,dx'],
  [{ row: 'lea_GvM', operands: [r(REG.ESP), m(REG.ESP, -1, 1, -4)] }, '8d 64 24 fc', 'lea esp,[esp-0x4]'],
  [{ row: 'lea_GvM', operands: [r(REG.EAX), m(REG.EBX, REG.ECX, 8, 0x12345)] }, '8d 84 cb 45 23 01 00', 'lea eax,[ebx+ecx*8+0x12345]'],
  [{ row: 'int_Ib', operands: [imm(0x80)] }, 'cd 80', 'int 0x80'],
  [{ row: 'int3', operands: [] }, 'cc', 'int3'],
  [{ row: 'add_EvIb', operands: [m(REG.EAX), imm(-1)], prefixes: PREFIX.LOCK }, 'f0 83 00 ff', 'lock add DWORD PTR [eax],0xffffffff'],
  [{ row: 'movs_XvYv', operands: [fixed, fixed], prefixes: PREFIX.REP }, 'f3 a5', 'rep movs DWORD PTR es:[edi],DWORD PTR ds:[esi]'],
  [{ row: 'mov_GvEv', operands: [r(REG.EAX), m(REG.EBP, REG.ESI, 1, 2)], adsize: 2 }, '67 8b 42 02', 'mov eax,DWORD PTR [bp+si+0x2]'],
  [{ row: 'cli', operands: [] }, 'fa', 'cli'],
  [{ row: 'vmrun', operands: [] }, '0f 01 d8', 'vmrun'],
];

describe('encode', () => {
  it.each(FORMS)('%# encodes %o byte-exact', (req, bytes, asm) => {
    const b = encode(req);
    expect(hex(b)).toBe(bytes);
    expect(text(b)).toBe(asm);
    expect(decode(b, 0, 32).length).toBe(b.length);
  });

  it('rejects impossible requests with a named error', () => {
    expect(() => encode({ row: 'push_Ib', operands: [imm(300)] })).toThrow(EncodeError);
    expect(() => encode({ row: 'jmp_Jb', operands: [rel(200)] })).toThrow(EncodeError);
    expect(() => encode({ row: 'mov_EvGv', operands: [r(0)] })).toThrow(/expected 2 operands/);
    expect(() => encode({ row: 'no_such_row', operands: [] })).toThrow(/no opcode row/);
    expect(() => encode({ row: 'lea_GvM', operands: [r(0), m(REG.EAX, REG.ESP)] })).toThrow(/index/);
  });

  it('encodes 16-bit code', () => {
    const b = encode({ row: 'mov_GvEv', operands: [r(REG.EAX), m(REG.EBX, REG.ESI, 1, 0x10)] }, 16);
    expect(hex(b)).toBe('8b 40 10');
    expect(hex(encode({ row: 'jmp_Jz', operands: [rel(-3)] }, 16))).toBe('e9 fd ff');
  });
});

/** The fields that make a decoded record the same instruction. */
function essence(i: Instruction) {
  return {
    id: i.id, prefixes: i.prefixes, seg: i.seg, opsize: i.opsize, adsize: i.adsize, reg: i.reg,
    hasMem: i.hasMem, base: i.base, index: i.index, scale: i.index >= 0 ? i.scale : 1, disp: i.hasMem ? i.disp : 0, imm: i.imm, imm2: i.imm2,
    operands: i.operands,
  };
}

function roundTrip(bytes: Uint8Array, starts: number): { checked: number; failures: string[] } {
  const failures: string[] = [];
  let checked = 0;
  for (let off = 0, n = 0; off < bytes.length - 16 && n < starts; n++) {
    const ins = decode(bytes, off, 32);
    off += Math.max(ins.length, 1);
    if (ins.row.flags & (OPF.TRUNCATED | OPF.TOO_LONG) || ins.row.mnemonic === '(bad)' || ins.prefixes & PREFIX.WAIT) continue;
    const again = decode(encode(requestOf(ins)), 0, 32);
    checked++;
    const a = essence(ins);
    const b = essence(again);
    if (JSON.stringify(a) !== JSON.stringify(b)) failures.push(`${ins.row.handler}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  return { checked, failures };
}

describe('encode(requestOf(decode(x))) decodes to the same record', () => {
  it('for all of the gcc corpus', () => {
    for (const name of ['checksum', 'kernel', 'sort']) {
      const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'decode', `gcc-${name}.bin`)));
      const { checked, failures } = roundTrip(bytes, 1e9);
      expect(checked).toBeGreaterThan(100);
      expect(failures).toEqual([]);
    }
  });

  it('for 40 000 instructions of each random stream (every table form that occurs)', () => {
    for (const s of RANDOM_STREAMS) {
      const { checked, failures } = roundTrip(randomStreamBytes(s), 40_000);
      expect(checked).toBeGreaterThan(35_000);
      expect(failures.slice(0, 5)).toEqual([]);
    }
  });
});
