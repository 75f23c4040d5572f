/** @file The one-byte opcode map (SDM Vol.2 Table A-2), groups excluded: one row per instruction form. */
import type { RowLine } from './row-spec.ts';

/** Condition-code suffixes in encoding order (SDM Vol.1 Appendix B), as objdump spells them. */
export const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;

/** The six forms 00–05 (+8·n) of the eight ALU operations. */
function aluRows(): RowLine[] {
  const rows: RowLine[] = [];
  ALU.forEach((m, n) => {
    const b = (k: number) => (n * 8 + k).toString(16).padStart(2, '0');
    const lock = m === 'cmp' ? '' : 'L';
    rows.push(`${b(0)} | ${m} Eb,Gb | ${lock}`, `${b(1)} | ${m} Ev,Gv | ${lock}`, `${b(2)} | ${m} Gb,Eb`);
    rows.push(`${b(3)} | ${m} Gv,Ev`, `${b(4)} | ${m} AL,Ib`, `${b(5)} | ${m} eAX,Iz`);
  });
  return rows;
}

/** Jcc Jb (70–7F): one handler, the condition in `cc`. */
function jccRows(): RowLine[] {
  return CC_NAMES.map((c, i) => `${(0x70 + i).toString(16)} | j${c} Jb | B cc=${i} h=jcc_Jb`);
}

/** Rows of the one-byte map that are not groups (groups: groups.ts; D8–DF: x87.ts). */
export const PRIMARY_ROWS: readonly RowLine[] = [
  ...aluRows(),
  '06 | push ES',
  '07 | pop ES',
  '0e | push CS | S',
  '16 | push SS | S',
  '17 | pop SS',
  '1e | push DS',
  '1f | pop DS',
  '27 | daa',
  '2f | das',
  '37 | aaa',
  '3f | aas',
  '40+ | inc Zv',
  '48+ | dec Zv',
  '50+ | push Zv',
  '58+ | pop Zv',
  '60 | pusha',
  '61 | popa',
  '62 | bound Gv,Ma',
  '63 | arpl Ew,Gw',
  '68 | push Iz',
  '69 | imul Gv,Ev,Iz',
  '6a | push Ibs',
  '6b | imul Gv,Ev,Ibs',
  '6c | ins Yb,DX | IO STR',
  '6d | ins Yv,DX | IO STR',
  '6e | outs DX,Xb | IO STR',
  '6f | outs DX,Xv | IO STR',
  ...jccRows(),
  '84 | test Eb,Gb',
  '85 | test Ev,Gv',
  '86 | xchg Eb,Gb | L',
  '87 | xchg Ev,Gv | L',
  '88 | mov Eb,Gb',
  '89 | mov Ev,Gv',
  '8a | mov Gb,Eb',
  '8b | mov Gv,Ev',
  '8c | mov Evw,Sw | S',
  '8d | lea Gv,M',
  '8e | mov Sw,Evw | h=mov_SwEw',
  '90 | nop',
  'f3 90 | pause',
  '91+ | xchg Zv,eAX',
  '98 | cwde',
  '99 | cdq',
  '9a | call Ap | B',
  '9b | fwait',
  '9c | pushf | S',
  '9d | popf | S E',
  '9e | sahf',
  '9f | lahf',
  'a0 | mov AL,Ob',
  'a1 | mov eAX,Ov',
  'a2 | mov Ob,AL',
  'a3 | mov Ov,eAX',
  'a4 | movs Yb,Xb | STR h=movs_XbYb',
  'a5 | movs Yv,Xv | STR h=movs_XvYv',
  'a6 | cmps Xb,Yb | STR',
  'a7 | cmps Xv,Yv | STR',
  'a8 | test AL,Ib',
  'a9 | test eAX,Iz',
  'aa | stos Yb,AL | STR',
  'ab | stos Yv,eAX | STR',
  'ac | lods AL,Xb | STR',
  'ad | lods eAX,Xv | STR',
  'ae | scas AL,Yb | STR',
  'af | scas eAX,Yv | STR',
  'b0+ | mov Zb,Ib',
  'b8+ | mov Zv,Iv',
  'c2 | ret Iw | B I',
  'c3 | ret | B I',
  'c4 | les Gv,Mp',
  'c5 | lds Gv,Mp',
  'c8 | enter Iw,Ib',
  'c9 | leave',
  'ca | retf Iw | B I S',
  'cb | retf | B I S',
  'cc | int3 | B',
  'cd | int Ib | B',
  'ce | into | B',
  'cf | iret | B I S',
  'd4 | aam Ib',
  'd5 | aad Ib',
  'd7 | xlat | h=xlat',
  'e0 | loopne Jb | B',
  'e1 | loope Jb | B',
  'e2 | loop Jb | B',
  'e3 | jecxz Jb | B',
  'e4 | in AL,Ib | IO',
  'e5 | in eAX,Ib | IO',
  'e6 | out Ib,AL | IO',
  'e7 | out Ib,eAX | IO',
  'e8 | call Jz | B',
  'e9 | jmp Jz | B',
  'ea | jmp Ap | B',
  'eb | jmp Jb | B',
  'ec | in AL,DX | IO',
  'ed | in eAX,DX | IO',
  'ee | out DX,AL | IO',
  'ef | out DX,eAX | IO',
  'f1 | int1 | B',
  'f4 | hlt | P E',
  'f5 | cmc',
  'f8 | clc',
  'f9 | stc',
  'fa | cli | S',
  'fb | sti | S E',
  'fc | cld',
  'fd | std',
];
