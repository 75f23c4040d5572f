/** @file CGA tests: CRTC index/data with cursor readback, status toggling, text rendering from RAM. */
import { describe, expect, it } from 'vitest';
import { Cga, CGA_TEXT_BASE } from '../../src/chips/cga.ts';

describe('CGA', () => {
  it('reads back the cursor location written through 0x3D4/0x3D5', () => {
    const cga = new Cga();
    cga.write(4, 1, 0x0e);
    cga.write(5, 1, 0x03);
    cga.write(4, 1, 0x0f);
    cga.write(5, 1, 0x25);
    cga.write(4, 1, 0x0e);
    expect(cga.read(5, 1)).toBe(0x03);
    cga.write(4, 1, 0x0f);
    expect(cga.read(5, 1)).toBe(0x25);
    expect(cga.read(4, 1)).toBe(0x0f);
    expect(cga.cursor).toBe(0x325);
  });

  it('alternates the retrace bits of the status register', () => {
    const cga = new Cga();
    expect([cga.read(0xa, 1), cga.read(0xa, 1), cga.read(0xa, 1)]).toEqual([0x09, 0x00, 0x09]);
  });

  it('renders the text page from the start address', () => {
    const ram = new Uint8Array(0xc0000);
    const text = 'Hello';
    for (let i = 0; i < text.length; i++) {
      ram[CGA_TEXT_BASE + 160 + 2 * i] = text.charCodeAt(i);
      ram[CGA_TEXT_BASE + 160 + 2 * i + 1] = 0x07;
    }
    ram[CGA_TEXT_BASE + 160 + 10] = 0x01;
    const cga = new Cga();
    const rows = cga.renderText(ram);
    expect(rows.length).toBe(25);
    expect(rows[1]!.slice(0, 7)).toBe('Hello. ');
    expect(rows[1]!.length).toBe(80);
    cga.write(4, 1, 0x0d);
    cga.write(5, 1, 80);
    expect(cga.renderText(ram)[0]!.slice(0, 5)).toBe('Hello');
    const other = new Cga();
    other.restoreState(JSON.parse(JSON.stringify(cga.saveState())));
    expect(other.saveState()).toEqual(cga.saveState());
  });
});
