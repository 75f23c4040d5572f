/** @file formatInstruction: hand-picked encodings with the text objdump 2.40 -M intel prints for them (prefixes, sizes, 16-bit, x87, SSE). */
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/decode/decoder.ts';
import { formatInstruction } from '../../src/disasm/intel-syntax.ts';
import { disassembleRange, formatLine } from '../../src/disasm/listing.ts';

const text = (hex: string, mode: 16 | 32 = 32, address = 0) => {
  const b = Uint8Array.from(hex.split(' ').map((h) => Number.parseInt(h, 16)));
  return formatInstruction(decode(b, 0, mode), b, 0, address, mode).replace(/\s+/g, ' ');
};

/** [bytes, objdump's text at address 0] — taken from objdump -D -b binary -m i386 -M intel. */
const CASES32: [string, string][] = [
  ['8b 04 20', 'mov eax,DWORD PTR [eax+eiz*1]'],
  ['8b 04 64', 'mov eax,DWORD PTR [esp+eiz*2]'],
  ['8b 04 25 00 00 00 00', 'mov eax,DWORD PTR [eiz*1+0x0]'],
  ['8b 04 8d f0 ff ff ff', 'mov eax,DWORD PTR [ecx*4-0x10]'],
  ['8b 80 00 00 00 80', 'mov eax,DWORD PTR [eax-0x80000000]'],
  ['8b 40 00', 'mov eax,DWORD PTR [eax+0x0]'],
  ['66 90', 'xchg ax,ax'],
  ['66 6a ff', 'pushw 0xffff'],
  ['6a ff', 'push 0xffffffff'],
  ['66 0e', 'pushw cs'],
  ['66 c3', 'retw'],
  ['66 cb', 'retfw'],
  ['66 ea 01 02 03 04', 'jmp 0x403:0x201'],
  ['66 ff 18', 'call DWORD PTR [eax]'],
  ['0f 21 c0', 'mov eax,dr0'],
  ['0f c2 c0 01', 'cmpltps xmm0,xmm0'],
  ['0f c2 c0 09', 'cmpps xmm0,xmm0,0x9'],
  ['9b d9 38', 'fstcw WORD PTR [eax]'],
  ['d9 38', 'fnstcw WORD PTR [eax]'],
  ['66 67 a4', 'data16 movs BYTE PTR es:[di],BYTE PTR ds:[si]'],
  ['f3 a4', 'rep movs BYTE PTR es:[edi],BYTE PTR ds:[esi]'],
  ['f3 a6', 'repz cmps BYTE PTR ds:[esi],BYTE PTR es:[edi]'],
  ['0f 0f c1 9e', 'pfadd mm0,mm1'],
  ['2e a1 00 00 00 00', 'mov eax,cs:0x0'],
  ['dc e1', 'fsubr st(1),st'],
  ['de f9', 'fdivp st(1),st'],
  ['66 0f 58 00', 'addpd xmm0,XMMWORD PTR [eax]'],
  ['f3 0f 58 00', 'addss xmm0,DWORD PTR [eax]'],
  ['66 0f d6 00', 'movq QWORD PTR [eax],xmm0'],
  ['0f c5 c0 01', 'pextrw eax,mm0,0x1'],
  ['66 0f b6 c0', 'movzx ax,al'],
  ['0f a5 00', 'shld DWORD PTR [eax],eax,cl'],
  ['d9 20', 'fldenv [eax]'],
  ['8c 00', 'mov WORD PTR [eax],es'],
  ['0f 00 00', 'sldt WORD PTR [eax]'],
  ['0f 01 00', 'sgdtd [eax]'],
  ['66 0f 01 10', 'lgdtw [eax]'],
  ['62 00', 'bound eax,QWORD PTR [eax]'],
  ['66 0f b2 00', 'lss ax,DWORD PTR [eax]'],
  ['3e 3e 90', 'ds ds nop'],
  ['26 66 01 c0', 'es add ax,ax'],
  ['f3 01 00', 'repz add DWORD PTR [eax],eax'],
  ['66 74 01', 'data16 je 0x4'],
  ['66 e8 00 00', 'callw 0x4'],
  ['67 e3 00', 'jcxz 0x3'],
  ['67 a0 00 00', 'addr16 mov al,ds:0x0'],
  ['67 8b 46 01', 'mov eax,DWORD PTR [bp+0x1]'],
  ['d7', 'xlat BYTE PTR ds:[ebx]'],
  ['0f 01 d8', 'vmrun'],
  ['8e f8', 'mov ?,eax'],
  ['9a 01 02 03 04 05 06', 'call 0x605:0x4030201'],
  ['f0 01 c0', 'lock add eax,eax'],
  ['3e ff e0', 'notrack jmp eax'],
  ['f2 74 00', 'bnd je 0x3'],
  ['f0 0f 22 c0', 'mov cr8,eax'],
  ['db e4', 'fnsetpm(287 only)'],
  ['8d c0', '(bad)'],
];

describe('formatInstruction (32-bit code)', () => {
  it.each(CASES32)('%s → %s', (hex, want) => expect(text(hex)).toBe(want));
});

describe('formatInstruction (16-bit code)', () => {
  it('uses 16-bit registers and addressing, data32/addr32 names and d suffixes', () => {
    expect(text('8b 46 02', 16)).toBe('mov ax,WORD PTR [bp+0x2]');
    expect(text('66 8b 46 02', 16)).toBe('mov eax,DWORD PTR [bp+0x2]');
    expect(text('66 60', 16)).toBe('pushad');
    expect(text('66 0e', 16)).toBe('pushd cs');
    expect(text('66 f8', 16)).toBe('data32 clc');
    expect(text('e9 fd ff', 16, 0x10000)).toBe('jmp 0x10000');
    expect(text('e9 fd ff', 16, 0x0)).toBe('jmp 0x0');
  });
});

describe('disassembleRange / formatLine', () => {
  it('lists a range linearly with addresses from the origin', () => {
    const bytes = Uint8Array.from([0x90, 0xeb, 0xfe, 0xcd, 0x80]);
    expect(disassembleRange(bytes, { org: 0x1000 }).map(formatLine)).toEqual([
      '00001000: 90                    nop',
      '00001001: eb fe                 jmp    0x1001',
      '00001003: cd 80                 int    0x80',
    ]);
  });
});
