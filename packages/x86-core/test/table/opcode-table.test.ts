/** @file The opcode table as data: ids, unique handler names, coverage of the one-byte and 0F maps, classification flags. */
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/decode/decoder.ts';
import { OPF } from '../../src/decode/instruction.ts';
import { OPCODE_ROWS } from '../../src/table/opcode-table.ts';

const byHandler = (h: string) => OPCODE_ROWS.filter((r) => r.handler === h);
const row = (hex: string) => decode(Uint8Array.from([...hex.split(' ').map((h) => Number.parseInt(h, 16)), 0, 0, 0, 0, 0, 0]), 0, 32).row;

describe('OPCODE_ROWS', () => {
  it('numbers rows by their index', () => {
    OPCODE_ROWS.forEach((r, i) => expect(r.id).toBe(i));
  });

  it('gives each form one handler; shared names only for cc families and documented aliases', () => {
    const counts = new Map<string, number>();
    for (const r of OPCODE_ROWS) if (!(r.flags & OPF.UD)) counts.set(r.handler, (counts.get(r.handler) ?? 0) + 1);
    const shared = [...counts].filter(([, n]) => n > 1).map(([h]) => h).sort();
    expect(shared).toEqual([
      'adc_EbIb', 'add_EbIb', 'and_EbIb', 'bsf_GvEv', 'bsr_GvEv', 'cmovcc_GvEv', 'cmp_EbIb', 'jcc_Jb', 'jcc_Jz', 'nop', 'nop_Ev',
      'or_EbIb', 'sbb_EbIb', 'setcc_Eb', 'shl_Eb1', 'shl_EbCL', 'shl_EbIb', 'shl_Ev1', 'shl_EvCL', 'shl_EvIb', 'sub_EbIb',
      'test_EbIb', 'test_EvIz', 'wbinvd', 'xor_EbIb',
    ]);
    expect(byHandler('jcc_Jb').map((r) => r.cc)).toEqual([...Array(16).keys()]);
    expect(byHandler('setcc_Eb').map((r) => r.cc)).toEqual([...Array(16).keys()]);
  });

  it('names handlers mnemonic_operandcodes as the SDM writes them', () => {
    const names = ['00', '01', '04', '05', '40', '50', '8c', 'a4', 'a5', 'e4', 'ec', 'ee', 'cd 00', 'cc', 'ce', 'cf', 'f4', 'fa', 'fb']
      .map((h) => row(h).handler);
    expect(names).toEqual([
      'add_EbGb', 'add_EvGv', 'add_ALIb', 'add_eAXIz', 'inc_Zv', 'push_Zv', 'mov_EvSw', 'movs_XbYb', 'movs_XvYv', 'in_ALIb',
      'in_ALDX', 'out_DXAL', 'int_Ib', 'int3', 'into', 'iret', 'hlt', 'cli', 'sti',
    ]);
    expect(['83 c0', 'c1 e0', 'd1 c0', 'd3 e0', '0f 94 c0', '0f 45 c0', '0f b6 c0', '8d 00', '9c', '9d'].map((h) => row(h).handler)).toEqual([
      'add_EvIb', 'shl_EvIb', 'rol_Ev1', 'shl_EvCL', 'setcc_Eb', 'cmovcc_GvEv', 'movzx_GvEb', 'lea_GvM', 'pushf', 'popf',
    ]);
  });

  it('decodes every one-byte opcode except the prefixes, escapes and D6 to a row', () => {
    const notRows = [0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];
    const invalid: number[] = [];
    for (let op = 0; op < 256; op++) {
      if (notRows.includes(op)) continue;
      if (row(op.toString(16).padStart(2, '0')).mnemonic === '(bad)') invalid.push(op);
    }
    expect(invalid).toEqual([0xd6]);
  });

  it('marks privileged and sensitive forms for the translator', () => {
    const priv = ['f4', '0f 01 10', '0f 01 18', '0f 00 d0', '0f 00 d8', '0f 01 f0', '0f 01 38', '0f 06', '0f 08', '0f 09', '0f 20 c0', '0f 22 c0',
      '0f 21 c0', '0f 23 c0', '0f 30', '0f 32', '0f 35', '0f 01 d8'];
    expect(priv.filter((h) => !(row(h).flags & OPF.PRIVILEGED))).toEqual([]);
    const sens = ['9c', '9d', '0f 01 00', '0f 01 08', '0f 00 c0', '0f 00 c8', '0f 01 e0', '0f 02 c0', '0f 03 c0', '0f 00 e0', '0f 00 e8',
      '8c c0', '0e', '16', 'cf', 'fa', 'fb', 'e4', 'e5', 'e6', 'e7', 'ec', 'ed', 'ee', 'ef', '6c', '6d', '6e', '6f'];
    expect(sens.filter((h) => !(row(h).flags & OPF.SENSITIVE))).toEqual([]);
    expect(['e4', 'ec', '6c', '6f'].every((h) => row(h).flags & OPF.IO)).toBe(true);
    expect(['01', '89', '8b', 'e8', '0f b6 c0'].filter((h) => row(h).flags & (OPF.PRIVILEGED | OPF.SENSITIVE))).toEqual([]);
  });

  it('marks control transfers as branches, the register/memory ones as indirect', () => {
    for (const h of ['70', 'e8', 'e9', 'eb', 'ea', '9a', 'c3', 'c2', 'cb', 'ca', 'cf', 'cd', 'cc', 'e2', 'e3', '0f 80', 'ff d0', 'ff e0', 'ff 18', 'ff 28']) {
      expect(row(h).flags & OPF.BRANCH, h).toBe(OPF.BRANCH);
      expect(row(h).flags & OPF.BLOCK_END, h).toBe(OPF.BLOCK_END);
    }
    expect(['ff d0', 'ff e0', 'c3', 'cf'].every((h) => row(h).flags & OPF.INDIRECT)).toBe(true);
    expect(['e8', 'e9', '70'].some((h) => row(h).flags & OPF.INDIRECT)).toBe(false);
  });

  it('marks the lockable forms (SDM Vol.2 LOCK) and only those', () => {
    const lockable = OPCODE_ROWS.filter((r) => r.flags & OPF.LOCKABLE).map((r) => r.mnemonic);
    expect([...new Set(lockable)].sort()).toEqual(
      ['adc', 'add', 'and', 'btc', 'btr', 'bts', 'cmpxchg', 'cmpxchg8b', 'dec', 'inc', 'neg', 'not', 'or', 'sbb', 'sub', 'xadd', 'xchg', 'xor'],
    );
  });
});
