/** @file String instructions with REP/REPE/REPNE: results, direction flag, and a fault in the middle of a REP that resumes at the right iteration. */
import { describe, expect, it } from 'vitest';
import { REP_CHUNK } from '../../src/exec/string.ts';
import { createMachine, eflags, exec, peek32, regs, run } from '../helpers/machine.ts';
import { gdtEntry, SEL, setupGdt, setupIdt } from '../helpers/protected-mode.ts';

function text(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

describe('string instructions', () => {
  it('REP MOVSB copies ECX bytes and advances ESI/EDI', () => {
    const m = createMachine({ code: /* mov esi, 0x2000; mov edi, 0x3000; mov ecx, 5; cld; rep movsb; hlt */ [0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x05, 0x00, 0x00, 0x00, 0xfc, 0xf3, 0xa4, 0xf4] });
    m.ram.set(text('hello'), 0x2000);
    run(m, 10);
    expect(String.fromCharCode(...m.ram.subarray(0x3000, 0x3005))).toBe('hello');
    expect(regs(m)).toMatchObject({ ecx: 0, esi: 0x2005, edi: 0x3005 });
  });
  it('REPE CMPSB stops at the first difference', () => {
    const m = createMachine({ code: /* mov esi, 0x2000; mov edi, 0x3000; mov ecx, 4; repe cmpsb; hlt */ [0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x04, 0x00, 0x00, 0x00, 0xf3, 0xa6, 0xf4] });
    m.ram.set(text('abXd'), 0x2000);
    m.ram.set(text('abYd'), 0x3000);
    run(m, 10);
    expect(regs(m)).toMatchObject({ ecx: 1, esi: 0x2003, edi: 0x3003 });
    expect(eflags(m) & 0x41).toBe(0x01); // ZF=0, CF=1 ('X' < 'Y')
  });
  it('REPNE SCASB finds a byte', () => {
    const m = createMachine({ code: /* mov edi, 0x2000; mov ecx, 100; mov al, 0; repne scasb; hlt */ [0xbf, 0x00, 0x20, 0x00, 0x00, 0xb9, 0x64, 0x00, 0x00, 0x00, 0xb0, 0x00, 0xf2, 0xae, 0xf4] });
    m.ram.set(text('four'), 0x2000);
    run(m, 10);
    expect(regs(m)).toMatchObject({ ecx: 95, edi: 0x2005 });
  });
  it('STD; REP STOSD fills downwards; LODSW loads and advances', () => {
    const m = exec(/* std; mov edi, 0x200c; mov ecx, 3; mov eax, 0xa5a5a5a5; rep stosd; cld; mov esi, 0x2008; lodsw; hlt */ [0xfd, 0xbf, 0x0c, 0x20, 0x00, 0x00, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xb8, 0xa5, 0xa5, 0xa5, 0xa5, 0xf3, 0xab, 0xfc, 0xbe, 0x08, 0x20, 0x00, 0x00, 0x66, 0xad, 0xf4], 20);
    expect(peek32(m, 0x2004)).toBe(0xa5a5a5a5);
    expect(peek32(m, 0x200c)).toBe(0xa5a5a5a5);
    expect(peek32(m, 0x2000)).toBe(0);
    expect(regs(m).edi).toBe(0x2000);
    expect(regs(m).esi).toBe(0x200a);
  });
  it('REP MOVSD/MOVSB/STOSW in whole page runs: page-crossing elements, overlapping copies and limits give the per-iteration result', () => {
    // mov esi, 0x20ffe; mov edi, 0x31ffd; mov ecx, 2000; rep movsd (source and destination cross pages at different iterations, elements straddle)
    // mov esi, 0x50000; mov edi, 0x50001; mov ecx, 5000; rep movsb (overlapping forward copy: the first byte propagates)
    // mov edi, 0x60ffb; mov ecx, 3000; mov eax, 0x1234abcd; rep stosw; hlt
    const code = [0xbe, 0xfe, 0x0f, 0x02, 0x00, 0xbf, 0xfd, 0x1f, 0x03, 0x00, 0xb9, 0xd0, 0x07, 0x00, 0x00, 0xf3, 0xa5,
      0xbe, 0x00, 0x00, 0x05, 0x00, 0xbf, 0x01, 0x00, 0x05, 0x00, 0xb9, 0x88, 0x13, 0x00, 0x00, 0xf3, 0xa4,
      0xbf, 0xfb, 0x0f, 0x06, 0x00, 0xb9, 0xb8, 0x0b, 0x00, 0x00, 0xb8, 0xcd, 0xab, 0x34, 0x12, 0xf3, 0x66, 0xab, 0xf4];
    const m = createMachine({ code });
    for (let k = 0; k < 0x3000; k++) m.ram[0x20000 + k] = (k * 7 + 3) & 0xff;
    m.ram[0x50000] = 0x5a;
    m.ram[0x50000 + 5001] = 0x77;
    const expected = new Uint8Array(m.ram.subarray(0x20ffe, 0x20ffe + 8000));
    run(m, 20);
    expect(Array.from(m.ram.subarray(0x31ffd, 0x31ffd + 8000))).toEqual(Array.from(expected));
    expect(m.ram[0x31ffd + 8000]).toBe(0);
    expect(m.ram.subarray(0x50000, 0x50000 + 5001).every((b) => b === 0x5a)).toBe(true);
    expect(m.ram[0x50000 + 5001]).toBe(0x77);
    for (let k = 0; k < 3000; k++) expect(m.cpu.view.getUint16(0x60ffb + 2 * k, true)).toBe(0xabcd);
    expect(m.ram[0x60ffb + 6000]).toBe(0);
    expect(regs(m)).toMatchObject({ ecx: 0, edi: 0x60ffb + 6000, esi: 0x50000 + 5000 });
  });
  it('REP with ECX=0 does nothing', () => {
    const m = exec(/* mov esi, 0x2000; mov edi, 0x3000; xor ecx, ecx; rep movsd; hlt */ [0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x30, 0x00, 0x00, 0x31, 0xc9, 0xf3, 0xa5, 0xf4], 10);
    expect(regs(m)).toMatchObject({ esi: 0x2000, edi: 0x3000 });
  });
  it('16-bit addressing uses SI/DI/CX', () => {
    const m = createMachine({ code: /* mov esi, 0x12342000; mov edi, 0x56783000; mov ecx, 0xffff0002; a16 rep movsb; hlt */ [0xbe, 0x00, 0x20, 0x34, 0x12, 0xbf, 0x00, 0x30, 0x78, 0x56, 0xb9, 0x02, 0x00, 0xff, 0xff, 0xf3, 0x67, 0xa4, 0xf4] });
    m.ram.set(text('xy'), 0x2000);
    run(m, 10);
    expect(String.fromCharCode(...m.ram.subarray(0x3000, 0x3002))).toBe('xy');
    expect(regs(m)).toMatchObject({ esi: 0x12342002, edi: 0x56783002, ecx: 0xffff0000 });
  });
  it('a fault mid-REP leaves exact ESI/EDI/ECX and EIP on the instruction; IRET resumes it', () => {
    const m = createMachine({ code: /* mov ax, 0x30; mov es, ax; mov esi, 0x2000; mov edi, 0x3000; mov ecx, 5; rep movsb; hlt */ [0x66, 0xb8, 0x30, 0x00, 0x8e, 0xc0, 0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x05, 0x00, 0x00, 0x00, 0xf3, 0xa4, 0xf4] });
    setupGdt(m);
    setupIdt(m, 0x4000);
    gdtEntry(m, SEL.FREE1, 0, 0x3002, 0x92, 0x4); // ES limit 0x3002: the 4th byte faults
    // #GP handler: record ECX and the pushed EIP, make ES flat, drop the error code, IRET.
    m.ram.set(/* mov ebx, ecx; mov edx, [esp+4]; mov ax, 0x10; mov es, ax; add esp, 4; iret */ [0x89, 0xcb, 0x8b, 0x54, 0x24, 0x04, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xc0, 0x83, 0xc4, 0x04, 0xcf], 0x4000 + 13 * 16);
    m.ram.set(text('hello'), 0x2000);
    run(m, 30);
    expect(regs(m).ebx).toBe(2);
    expect(regs(m).edx).toBe(0x1015); // the REP MOVSB itself
    expect(String.fromCharCode(...m.ram.subarray(0x3000, 0x3005))).toBe('hello');
    expect(regs(m)).toMatchObject({ ecx: 0, esi: 0x2005, edi: 0x3005 });
    expect(m.cpu.halted).toBe(true);
  });
  it('a long REP yields to the engine and resumes (interruptible) with the same result', () => {
    const m = exec(/* mov edi, 0x10000; mov ecx, 10000; mov al, 7; rep stosb; hlt */ [0xbf, 0x00, 0x00, 0x01, 0x00, 0xb9, 0x10, 0x27, 0x00, 0x00, 0xb0, 0x07, 0xf3, 0xaa, 0xf4], 100);
    expect(regs(m).ecx).toBe(0);
    expect(m.ram[0x10000 + 9999]).toBe(7);
    expect(m.ram[0x10000 + 10000]).toBe(0);
    // Three chunks of up to REP_CHUNK iterations, but one instruction retired (and charged) for the REP.
    expect(m.cpu.counters.retired[0]).toBe(5);
    expect(m.cpu.cycles).toBe(5);
  });
  it('an interrupt between two chunks of a long REP returns to the REP, which then completes once', () => {
    const m = createMachine({ code: /* sti; mov edi, 0x10000; mov ecx, 10000; rep stosb; cli; hlt */ [0xfb, 0xbf, 0x00, 0x00, 0x01, 0x00, 0xb9, 0x10, 0x27, 0x00, 0x00, 0xf3, 0xaa, 0xfa, 0xf4] });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram.set(/* inc ebx; mov esi, ecx; iret */ [0x43, 0x89, 0xce, 0xcf], 0x3000 + 16 * 0x20);
    // The deadline callback runs at every boundary the engine stops at: raise IRQ 0 mid-REP.
    const midRep = new Set<number>();
    m.engine.setDeadline(0, (now) => {
      const ecx = m.cpu.regs[1]!;
      if (m.cpu.eip === 0x100b && ecx > 0 && ecx < 10000 && !midRep.has(ecx)) {
        midRep.add(ecx);
        if (midRep.size === 1) {
          expect(m.cpu.counters.retired[0]).toBe(3); // the yielded chunk has not retired the REP
          m.pic.pending.push(0x20);
        }
      }
      return now;
    });
    run(m, 100);
    expect(regs(m).ebx).toBe(1);
    expect(regs(m).esi).toBe(10000 - REP_CHUNK); // the interrupt came after the first chunk
    expect(peek32(m, 0x8000 - 12)).toBe(0x100b); // and returned to the REP itself
    expect(regs(m).ecx).toBe(0);
    expect(m.cpu.halted).toBe(true);
    expect([...midRep]).toEqual([10000 - REP_CHUNK, 10000 - 2 * REP_CHUNK]);
    // sti, mov, mov, rep stosb (once), inc, mov, iret, cli, hlt
    expect(m.cpu.counters.retired[0]).toBe(9);
  });
  it('INS/OUTS through the I/O interface', () => {
    const m = createMachine({ code: /* mov dx, 0x3f8; mov esi, 0x2000; mov ecx, 2; rep outsb; mov edi, 0x3000; mov ecx, 1; insb; hlt */ [0x66, 0xba, 0xf8, 0x03, 0xbe, 0x00, 0x20, 0x00, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00, 0xf3, 0x6e, 0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x01, 0x00, 0x00, 0x00, 0x6c, 0xf4] });
    m.ram.set(text('ok'), 0x2000);
    m.io.reads.set(0x3f8, 0x41);
    run(m, 20);
    expect(m.io.writes).toEqual([
      { port: 0x3f8, size: 1, value: 0x6f },
      { port: 0x3f8, size: 1, value: 0x6b },
    ]);
    expect(m.ram[0x3000]).toBe(0x41);
  });
});
