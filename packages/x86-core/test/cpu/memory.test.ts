/** @file Memory access: CR2 and error code of #PF on page-crossing reads, writes, fetches and string operations; the flat-segment fast check (`Cpu.segFlat`). */
import { describe, expect, it } from 'vitest';
import { createMachine, peek32, poke32, regs, run, type Machine } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';
import { SEG_FLAT } from '../../src/cpu/cpu.ts';
import { setSegCache, updateSegFlat } from '../../src/cpu/segmentation.ts';
import { restoreCpuState, saveCpuState } from '../../src/cpu/snapshot.ts';

const PD = 0x40000;
const PT = 0x41000;
/** The #PF handler (vector 14 of setupIdt's IDT at 0x3000 + 16 v): mov ebx, cr2; pop edx (the error code); hlt. */
const PF_HANDLER = [0x0f, 0x20, 0xd3, 0x5a, 0xf4];

/** Flat ring-0 machine with paging on (identity, supervisor, writable; CR0.WP=1) and `code` at 0x1000. */
function paged(code: number[]): Machine {
  const m = createMachine({ code });
  setupGdt(m);
  setupIdt(m, 0x3000);
  m.ram.set(PF_HANDLER, 0x3000 + 16 * 14);
  poke32(m, PD, PT | 0x3);
  for (let p = 0; p < 1024; p++) poke32(m, PT + p * 4, (p << 12) | 0x3);
  m.cpu.cr3 = PD;
  m.cpu.cr0 |= 0x80010000; // PG | WP
  return m;
}

/** Marks page `lin` not present (0) or read-only (1). */
function protect(m: Machine, lin: number, how: 'absent' | 'read-only'): void {
  poke32(m, PT + (lin >>> 12) * 4, how === 'absent' ? 0 : (lin & ~0xfff) | 0x1);
}

describe('#PF on a page-crossing access: CR2 is the first byte in the faulting page', () => {
  it('dword write across into a read-only page: CR2 = page start, W|P, nothing written', () => {
    const m = paged(/* mov dword [0x5ffe], 0x11223344 */ [0xc7, 0x05, 0xfe, 0x5f, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11]);
    protect(m, 0x6000, 'read-only');
    run(m, 10);
    expect(m.cpu.halted).toBe(true);
    expect(m.cpu.counters.vectors[14]).toBe(1);
    expect(regs(m).ebx).toBe(0x6000);
    expect(regs(m).edx).toBe(0x3);
    expect(peek32(m, 0x5ffc)).toBe(0);
    expect(peek32(m, 0x6000)).toBe(0);
  });
  it('word write across into a not-present page: CR2 = page start, W', () => {
    const m = paged(/* mov word [0xafff], 0x1234 */ [0x66, 0xc7, 0x05, 0xff, 0xaf, 0x00, 0x00, 0x34, 0x12]);
    protect(m, 0xb000, 'absent');
    run(m, 10);
    expect(regs(m).ebx).toBe(0xb000);
    expect(regs(m).edx).toBe(0x2);
  });
  it('dword read across into a not-present page: CR2 = page start, error 0', () => {
    const m = paged(/* mov eax, [0x4ffd] */ [0xa1, 0xfd, 0x4f, 0x00, 0x00]);
    protect(m, 0x5000, 'absent');
    run(m, 10);
    expect(regs(m).ebx).toBe(0x5000);
    expect(regs(m).edx).toBe(0);
  });
  it('a fault on the first page of a crossing access reports the access address itself', () => {
    const m = paged(/* mov dword [0x4ffe], eax */ [0xa3, 0xfe, 0x4f, 0x00, 0x00]);
    protect(m, 0x4000, 'absent');
    run(m, 10);
    expect(regs(m).ebx).toBe(0x4ffe);
    expect(regs(m).edx).toBe(0x2);
  });
  it('MOVSD whose destination crosses into a read-only page: CR2 = page start, ESI/EDI/ECX unchanged', () => {
    const m = paged(/* rep movsd */ [0xf3, 0xa5]);
    protect(m, 0x9000, 'read-only');
    m.cpu.regs[6] = 0x2000; // ESI
    m.cpu.regs[7] = 0x8ffa; // EDI: the second dword crosses 0x9000
    m.cpu.regs[1] = 4; // ECX
    run(m, 10);
    expect(regs(m).ebx).toBe(0x9000);
    expect(regs(m).edx).toBe(0x3);
    expect(regs(m).esi).toBe(0x2004);
    expect(regs(m).edi).toBe(0x8ffe);
    expect(regs(m).ecx).toBe(3);
  });
  it('an instruction straddling into a not-present page: #PF at the instruction, CR2 = next page start', () => {
    const m = paged([]);
    // mov eax, 0x11223344 (b8 44 33 22 11) at 0x4ffe: two bytes in page 0x4000, three in 0x5000.
    m.ram.set([0xb8, 0x44, 0x33, 0x22, 0x11], 0x4ffe);
    m.cpu.eip = 0x4ffe;
    protect(m, 0x5000, 'absent');
    run(m, 10);
    expect(regs(m).ebx).toBe(0x5000);
    expect(regs(m).edx).toBe(0);
    expect(peek32(m, 0x8000 - 12)).toBe(0x4ffe); // pushed EIP
  });
});

describe('Cpu.segFlat: the segments whose fast path skips the bounds compare', () => {
  const DS = 3;
  const DATA_RW = 0xc093; // G, D/B, P, S, data read/write, accessed
  const cases: [string, number, number, number, number][] = [
    // name, base, limit, attr, expected flags
    ['flat read/write data', 0, 0xffffffff, DATA_RW, SEG_FLAT.R | SEG_FLAT.W],
    ['flat read-only data', 0, 0xffffffff, 0xc091, SEG_FLAT.R],
    ['flat readable code', 0, 0xffffffff, 0xc09b, SEG_FLAT.R],
    ['flat execute-only code', 0, 0xffffffff, 0xc099, 0],
    ['base not page-aligned', 0x10, 0xffffffff, DATA_RW, 0],
    ['page-aligned base', 0x40000000, 0xffffffff, DATA_RW, SEG_FLAT.R | SEG_FLAT.W],
    ['limit below 4 GiB', 0, 0xfffffffe, DATA_RW, 0],
    ['expand-down', 0, 0xfff, 0xc097, 0],
    ['not present', 0, 0xffffffff, DATA_RW & ~0x80, 0],
  ];
  for (const [name, base, limit, attr, flags] of cases) {
    it(`${name}: ${flags}`, () => {
      const m = createMachine();
      setSegCache(m.cpu, DS, 0x10, base, limit, attr);
      expect(m.cpu.segFlat[DS]).toBe(flags);
    });
  }
  it('follows bounds cut by hand (updateSegFlat), and is recomputed on snapshot restore, not saved', () => {
    const m = createMachine();
    setSegCache(m.cpu, DS, 0x10, 0, 0xffffffff, DATA_RW);
    m.cpu.segHiW[DS] = 0xbfffffff; // as the binary translator truncates a guest segment
    updateSegFlat(m.cpu, DS);
    expect(m.cpu.segFlat[DS]).toBe(SEG_FLAT.R);
    const snap = saveCpuState(m.cpu);
    expect(Object.keys(snap.fields)).not.toContain('segFlat');
    m.cpu.segFlat[DS] = SEG_FLAT.R | SEG_FLAT.W;
    restoreCpuState(m.cpu, snap);
    expect(m.cpu.segFlat[DS]).toBe(SEG_FLAT.R);
  });
  it('a dword at the top of a flat segment still faults (#GP, nothing read), its page in the TLB', () => {
    // mov al, [0xfffffff0] (the top page enters the TLB); mov eax, [0xfffffffe] (two bytes past 4 GiB); hlt
    const m = paged([0xa0, 0xf0, 0xff, 0xff, 0xff, 0xa1, 0xfe, 0xff, 0xff, 0xff, 0xf4]);
    const TOP_PT = 0x42000;
    poke32(m, PD + 1023 * 4, TOP_PT | 0x3);
    poke32(m, TOP_PT + 1023 * 4, 0x7000 | 0x3); // linear 0xfffff000 → 0x7000
    m.ram.set([0xf4], 0x3000 + 16 * 13);
    expect(m.cpu.segFlat[DS]).toBe(SEG_FLAT.R | SEG_FLAT.W);
    m.cpu.regs[0] = 0x5a5a5a5a;
    m.ram[0x7ff0] = 0x77;
    run(m, 10);
    expect(m.cpu.counters.vectors[13]).toBe(1);
    expect(regs(m).eax).toBe(0x5a5a5a77);
  });
});
