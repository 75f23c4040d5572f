/** @file i8042 tests: reset line (0xFE, 0xD1), self tests, command byte, keyboard acknowledgements, IRQ1. */
import { describe, expect, it } from 'vitest';
import { I8042 } from '../../src/chips/i8042.ts';

describe('i8042', () => {
  it('0xFE to the command port pulses the reset line', () => {
    let resets = 0;
    const kbc = new I8042(() => resets++);
    kbc.write(4, 1, 0xfe);
    expect(resets).toBe(1);
    kbc.write(4, 1, 0xff); // bit 0 set: pulses nothing
    expect(resets).toBe(1);
  });

  it('writing output-port bit 0 = 0 through 0xD1 resets too', () => {
    let resets = 0;
    const kbc = new I8042(() => resets++);
    kbc.write(4, 1, 0xd1);
    kbc.write(0, 1, 0x02);
    expect(resets).toBe(1);
    expect(kbc.outputPort).toBe(0x02);
  });

  it('answers the controller self test with 0x55 and sets the system flag', () => {
    const kbc = new I8042();
    kbc.write(4, 1, 0xaa);
    expect(kbc.read(4, 1) & 0x05).toBe(0x05);
    expect(kbc.read(0, 1)).toBe(0x55);
    expect(kbc.read(4, 1) & 0x01).toBe(0);
  });

  it('reads and writes the command byte; IRQ1 follows OBF when enabled', () => {
    let irq = false;
    const kbc = new I8042(undefined, { setLevel: (h) => (irq = h) });
    kbc.write(4, 1, 0x60);
    kbc.write(0, 1, 0x44); // keyboard IRQ off
    kbc.write(4, 1, 0x20);
    expect(irq).toBe(false);
    expect(kbc.read(0, 1)).toBe(0x44);
    kbc.write(4, 1, 0x60);
    kbc.write(0, 1, 0x45);
    kbc.write(0, 1, 0xff); // keyboard reset
    expect(irq).toBe(true);
    expect([kbc.read(0, 1), kbc.read(0, 1)]).toEqual([0xfa, 0xaa]);
    expect(irq).toBe(false);
  });

  it('the keyboard identifies as an MF2 keyboard and acknowledges parameters', () => {
    const kbc = new I8042();
    kbc.write(0, 1, 0xf2);
    expect([kbc.read(0, 1), kbc.read(0, 1), kbc.read(0, 1)]).toEqual([0xfa, 0xab, 0x83]);
    kbc.write(0, 1, 0xed);
    kbc.write(0, 1, 0x07);
    expect([kbc.read(0, 1), kbc.read(0, 1)]).toEqual([0xfa, 0xfa]);
    const saved = JSON.parse(JSON.stringify(kbc.saveState()));
    const other = new I8042();
    other.restoreState(saved);
    expect(other.saveState()).toEqual(kbc.saveState());
  });
});

describe('i8042 keyboard input', () => {
  it('typed keys arrive as set 1 make/break codes one byte at a time, with shift', () => {
    let irq = false;
    const kbc = new I8042(undefined, { setLevel: (h) => (irq = h) });
    kbc.write(4, 1, 0x60);
    kbc.write(0, 1, 0x41); // translation on, IRQ on
    expect(kbc.typeChars([0x61, 0x41])).toBe(2);
    const bytes: number[] = [];
    while (kbc.read(4, 1) & 0x01) {
      expect(irq).toBe(true);
      bytes.push(kbc.read(0, 1));
    }
    expect(bytes).toEqual([0x1e, 0x9e, 0x2a, 0x1e, 0x9e, 0xaa]);
    expect(irq).toBe(false);
  });

  it('without translation the keyboard speaks set 2; disabled interfaces hold the keys', () => {
    const kbc = new I8042();
    kbc.write(4, 1, 0x60);
    kbc.write(0, 1, 0x10); // keyboard interface disabled, no translation
    kbc.typeChars([0x0a]);
    expect(kbc.read(4, 1) & 0x01).toBe(0);
    expect(kbc.queuedKeys).toBe(3);
    kbc.write(4, 1, 0xae);
    expect([kbc.read(0, 1), kbc.read(0, 1), kbc.read(0, 1)]).toEqual([0x5a, 0xf0, 0x5a]);
    kbc.write(0, 1, 0xf5); // disable scanning
    kbc.read(0, 1);
    kbc.typeChars([0x20]);
    expect(kbc.read(4, 1) & 0x01).toBe(0);
    kbc.write(0, 1, 0xf4);
    expect([kbc.read(0, 1), kbc.read(0, 1), kbc.read(0, 1)]).toEqual([0xfa, 0x29, 0xf0]);
    expect(kbc.typeChars([0x80])).toBe(0);
  });
});
