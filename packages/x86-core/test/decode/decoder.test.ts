/** @file Unit tests of decode(): fields of hand-picked encodings (SDM Vol.2 examples), prefixes, 16-bit forms, limits. */
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/decode/decoder.ts';
import { OPF, OPK, PREFIX, REG, SEG } from '../../src/decode/instruction.ts';
import { OPCODE_ROWS, ROW_ID } from '../../src/table/opcode-table.ts';

const d = (hex: string, mode: 16 | 32 = 32) => decode(Uint8Array.from(hex.split(' ').map((h) => Number.parseInt(h, 16))), 0, mode);

describe('decode', () => {
  it('decodes add [eax+ecx*4+0x10], edx with SIB and disp8', () => {
    const i = d('01 54 88 10');
    expect(i.row.handler).toBe('add_EvGv');
    expect([i.length, i.mod, i.reg, i.rm, i.sib]).toEqual([4, 1, REG.EDX, 4, 0x88]);
    expect([i.hasMem, i.base, i.index, i.scale, i.disp, i.seg]).toEqual([true, REG.EAX, REG.ECX, 4, 0x10, SEG.DS]);
    expect(i.operands.map((o) => [o.kind, o.size, o.reg])).toEqual([[OPK.MEM, 4, -1], [OPK.GPR, 4, REG.EDX]]);
  });

  it('uses SS for EBP/ESP bases and honours segment overrides', () => {
    expect(d('8b 45 fc').seg).toBe(SEG.SS);
    expect(d('8b 04 24').seg).toBe(SEG.SS);
    expect(d('64 8b 45 fc').seg).toBe(SEG.FS);
    expect(d('8b 45 fc').disp).toBe(-4);
  });

  it('decodes disp32-only and SIB no-base forms', () => {
    const a = d('a1 78 56 34 12');
    expect([a.row.handler, a.hasMem, a.base, a.disp, a.length]).toEqual(['mov_eAXOv', true, -1, 0x12345678, 5]);
    const b = d('8b 04 8d 00 10 00 00');
    expect([b.base, b.index, b.scale, b.disp, b.length]).toEqual([-1, REG.ECX, 4, 0x1000, 7]);
    const c = d('8b 05 00 00 00 80');
    expect([c.base, c.index, c.disp]).toEqual([-1, -1, -0x80000000]);
  });

  it('sign-extends Ib where the form does (83 /0, 6A, 6B) and not elsewhere (C1, CD, E4)', () => {
    expect(d('83 c0 ff').imm).toBe(-1);
    expect(d('6a 80').imm).toBe(-128);
    expect(d('6b c0 fe').imm).toBe(-2);
    expect(d('c1 e0 ff').imm).toBe(0xff);
    expect(d('cd 80').imm).toBe(0x80);
    expect(d('e4 ff').imm).toBe(0xff);
    expect(d('81 c1 ff ff ff ff').imm).toBe(0xffffffff);
  });

  it('reads Jb/Jz as signed displacements and selects the cc row', () => {
    const j = d('75 fe');
    expect([j.row.handler, j.row.cc, j.row.mnemonic, j.imm, j.length]).toEqual(['jcc_Jb', 5, 'jne', -2, 2]);
    const k = d('0f 84 00 ff ff ff');
    expect([k.row.handler, k.row.cc, k.imm, k.length]).toEqual(['jcc_Jz', 4, -256, 6]);
    expect(d('66 e8 fd ff').imm).toBe(-3);
    expect(d('66 e8 fd ff').length).toBe(4);
  });

  it('decodes far pointers, ENTER and moffs', () => {
    const f = d('ea 78 56 34 12 08 00');
    expect([f.row.handler, f.imm, f.imm2, f.length]).toEqual(['jmp_Ap', 0x12345678, 8, 7]);
    const e = d('c8 10 00 01');
    expect([e.row.handler, e.imm, e.imm2]).toEqual(['enter_IwIb', 16, 1]);
    const m = d('67 a0 34 12');
    expect([m.adsize, m.disp, m.length]).toEqual([2, 0x1234, 4]);
  });

  it('handles operand/address size in both modes and 16-bit ModRM', () => {
    const a = d('66 b8 34 12');
    expect([a.row.handler, a.opsize, a.imm, a.length]).toEqual(['mov_ZvIv', 2, 0x1234, 4]);
    const b = d('8b 42 02', 16);
    expect([b.opsize, b.adsize, b.base, b.index, b.disp, b.seg]).toEqual([2, 2, REG.EBP, REG.ESI, 2, SEG.SS]);
    const c = d('8b 0e 34 12', 16);
    expect([c.base, c.index, c.disp, c.length]).toEqual([-1, -1, 0x1234, 4]);
    const e = d('66 67 8b 00', 16);
    expect([e.opsize, e.adsize, e.base, e.length]).toEqual([4, 4, REG.EAX, 4]);
  });

  it('records every prefix, the last of F2/F3 winning', () => {
    const i = d('f0 f2 f3 2e 66 67 01 00');
    expect(i.prefixes).toBe(PREFIX.LOCK | PREFIX.REP | PREFIX.OPSIZE | PREFIX.ADSIZE | PREFIX.SEG);
    expect(i.seg).toBe(SEG.CS);
    expect(d('f3 f2 a6').prefixes).toBe(PREFIX.REPNE);
  });

  it('marks LOCK on a non-lockable form or register destination as #UD', () => {
    expect(d('f0 01 00').ud).toBe(false);
    expect(d('f0 01 c0').ud).toBe(true);
    expect(d('f0 8b 00').ud).toBe(true);
    expect(d('8e c8').ud).toBe(true); // mov cs, eax
    expect(d('0f 22 c8').ud).toBe(true); // mov cr1, eax
  });

  it('returns the (bad) row for undefined encodings, with objdump lengths', () => {
    for (const [hex, len] of [['0f 0b', 2], ['d6', 1], ['8d c0', 1], ['fe f8', 1], ['ff ff', 1], ['0f 04', 2], ['f0 0f 0a', 3]] as const) {
      const i = d(hex);
      expect([i.row.flags & OPF.UD, i.ud, i.length]).toEqual([OPF.UD, true, len]);
    }
    expect(d('0f 0b').row.handler).toBe('ud2');
    expect(d('0f c7 c8').id).toBe(ROW_ID.INVALID);
  });

  it('reports truncation with length 0 and over-long encodings as TOO_LONG', () => {
    for (const hex of ['0f', '66', '8b', '8b 04', '8b 44 24', 'b8 00 00', 'ea 00 00 00 00 00']) {
      const i = d(hex);
      expect([i.id, i.length, i.row.flags]).toEqual([ROW_ID.TRUNCATED, 0, OPF.TRUNCATED]);
    }
    const long = d('66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90');
    expect([long.id, long.length, long.row.flags]).toEqual([ROW_ID.TOO_LONG, 15, OPF.TOO_LONG]);
    const ok = d('66 66 66 66 66 66 66 66 66 66 66 66 66 66 90');
    expect([ok.row.handler, ok.length]).toEqual(['nop', 15]);
  });

  it('decodes the system and SVM instructions with their flags', () => {
    const rows = ['0f 01 d8', '0f 01 d9', '0f 01 da', '0f 01 db', '0f 01 dc', '0f 01 dd', '0f 01 de', '0f 01 df'].map((h) => d(h).row);
    expect(rows.map((r) => r.mnemonic)).toEqual(['vmrun', 'vmmcall', 'vmload', 'vmsave', 'stgi', 'clgi', 'skinit', 'invlpga']);
    expect(rows.every((r) => r.flags & OPF.SVM)).toBe(true);
    expect(d('0f 22 d8').row.handler).toBe('mov_CdRd');
    expect(d('0f 20 c0').row.handler).toBe('mov_RdCd');
    expect(d('0f 20 00').hasMem).toBe(false); // mod is ignored for mov cr
    expect(d('0f 01 10').row.handler).toBe('lgdt_Ms');
    expect(d('0f 01 10').row.flags & OPF.PRIVILEGED).toBe(OPF.PRIVILEGED);
    expect(['0f a2', '0f 31', '0f 32', '0f 30', '0f 34', '0f 35', '0f c8', '0f c7 08'].map((h) => d(h).row.handler)).toEqual([
      'cpuid', 'rdtsc', 'rdmsr', 'wrmsr', 'sysenter', 'sysexit', 'bswap_Zv', 'cmpxchg8b_Mq',
    ]);
  });

  it('decodes x87 escapes and MMX/SSE forms as #UD rows of the right length', () => {
    const f = d('dd 44 24 08');
    expect([f.row.mnemonic, f.row.flags & OPF.FPU, f.length, f.operands[0]?.size]).toEqual(['fld', OPF.FPU, 4, 8]);
    expect(d('9b df e0').prefixes & PREFIX.WAIT).toBe(PREFIX.WAIT);
    const s = d('66 0f 58 04 24');
    expect([s.row.mnemonic, s.ud, s.length, s.operands[1]?.size]).toEqual(['addpd', true, 5, 16]);
    expect(d('f3 0f 10 c1').row.mnemonic).toBe('movss');
    expect(d('0f 73 d0 04').row.handler).toBe('psrlq_NqIb');
    expect(d('0f 0f c1 9e').length).toBe(4);
  });

  it('is pure: decoding twice gives equal records and never touches the input', () => {
    const bytes = Uint8Array.from([0x8b, 0x44, 0x24, 0x08]);
    expect(decode(bytes, 0, 32)).toEqual(decode(bytes, 0, 32));
    expect([...bytes]).toEqual([0x8b, 0x44, 0x24, 0x08]);
    expect(OPCODE_ROWS[decode(bytes, 0, 32).id]).toBe(decode(bytes, 0, 32).row);
  });
});
