/** @file 82093AA I/O APIC tests: indirect registers, redirection, edge and level, masking, remote IRR and EOI. */
import { describe, expect, it } from 'vitest';
import { IoApic } from '../../src/chips/io-apic.ts';

function target(id = 0): { sent: [number, boolean][]; matchesDestination(d: number, l: boolean): boolean; accept(v: number, l: boolean): void } {
  return {
    sent: [],
    matchesDestination: (d, l) => (l ? (d & 1) !== 0 : d === id || d === 0xff),
    accept(v, l) {
      this.sent.push([v, l]);
    },
  };
}

function reg(io: IoApic, index: number, value?: number): number {
  io.write(0, 4, index);
  if (value !== undefined) io.write(0x10, 4, value);
  return io.read(0x10, 4);
}

describe('I/O APIC', () => {
  it('has ID, version 0x11 with 24 entries, and masked entries at power-on', () => {
    const io = new IoApic(target());
    expect(reg(io, 1)).toBe(0x00170011);
    expect(reg(io, 0, 0x0f000000)).toBe(0x0f000000);
    for (let pin = 0; pin < 24; pin++) expect(reg(io, 0x10 + 2 * pin)).toBe(0x10000);
    expect(io.read(0, 4)).toBe(0x10 + 46);
  });

  it('edge entries send their vector on each rising edge; masked edges are lost', () => {
    const t = target();
    const io = new IoApic(t);
    reg(io, 0x10 + 2 * 2, 0x30);
    io.setPin(2, true);
    io.setPin(2, true);
    io.setPin(2, false);
    io.setPin(2, true);
    expect(t.sent).toEqual([[0x30, false], [0x30, false]]);
    reg(io, 0x14, 0x10030);
    io.setPin(2, false);
    io.setPin(2, true);
    expect(t.sent.length).toBe(2);
  });

  it('level entries set remote IRR; EOI clears it and a still-active line sends again', () => {
    const t = target();
    const io = new IoApic(t);
    reg(io, 0x10 + 2 * 9, 0x8000 | 0x49);
    io.setPin(9, true);
    expect(reg(io, 0x22) & 0x4000).toBe(0x4000);
    io.setPin(9, true);
    expect(t.sent).toEqual([[0x49, true]]);
    io.eoi(0x49);
    expect(t.sent.length).toBe(2); // line still high
    io.setPin(9, false);
    io.eoi(0x49);
    expect(reg(io, 0x22) & 0x4000).toBe(0);
    expect(t.sent.length).toBe(2);
  });

  it('a masked active level is sent when unmasked; remote IRR is read-only', () => {
    const t = target();
    const io = new IoApic(t);
    reg(io, 0x20, 0x18000 | 0x51);
    io.setPin(8, true);
    expect(t.sent).toEqual([]);
    reg(io, 0x20, 0x4000 | 0x8000 | 0x51);
    expect(t.sent).toEqual([[0x51, true]]);
  });

  it('active-low polarity and destinations (physical and logical)', () => {
    const t = target(0);
    const io = new IoApic(t);
    reg(io, 0x11 + 2 * 3, 0x01000000);
    reg(io, 0x10 + 2 * 3, 0x60); // physical dest 1: not us
    io.setPin(3, true);
    expect(t.sent).toEqual([]);
    reg(io, 0x10 + 2 * 3, 0x800 | 0x60); // logical mask 1: us
    io.setPin(3, false);
    io.setPin(3, true);
    expect(t.sent).toEqual([[0x60, false]]);
    reg(io, 0x10 + 2 * 4, 0x2000 | 0x61); // active low, edge
    io.setPin(4, true);
    io.setPin(4, false);
    expect(t.sent).toEqual([[0x60, false], [0x61, false]]);
    const saved = JSON.parse(JSON.stringify(io.saveState()));
    const other = new IoApic(target());
    other.restoreState(saved);
    expect(other.saveState()).toEqual(io.saveState());
  });
});
