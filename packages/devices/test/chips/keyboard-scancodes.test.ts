/** @file Terminal bytes → US-layout keys → scan code set 1 and set 2 make/break sequences (IBM PC/AT keyboard tables). */
import { describe, expect, it } from 'vitest';
import { keyForChar, strokeBytes } from '../../src/chips/keyboard-scancodes.ts';

const set1 = (ch: string): number[] => strokeBytes(keyForChar(ch.charCodeAt(0))!, true);
const set2 = (ch: string): number[] => strokeBytes(keyForChar(ch.charCodeAt(0))!, false);

describe('keyboard scan codes', () => {
  it('every printable ASCII character has a key; set 1 breaks are make | 0x80', () => {
    for (let ch = 0x20; ch < 0x7f; ch++) {
      const k = keyForChar(ch);
      expect(k, `0x${ch.toString(16)}`).not.toBeNull();
      const bytes = strokeBytes(k!, true);
      const make = bytes[k!.shift ? 1 : 0]!;
      expect(bytes).toContain(make | 0x80);
    }
  });

  it('letters, digits and punctuation: the make codes of the set 1 table', () => {
    const expected: Record<string, number> = {
      a: 0x1e, q: 0x10, z: 0x2c, m: 0x32, '1': 0x02, '0': 0x0b, '-': 0x0c, '=': 0x0d, '[': 0x1a, ']': 0x1b,
      ';': 0x27, "'": 0x28, '`': 0x29, '\\': 0x2b, ',': 0x33, '.': 0x34, '/': 0x35, ' ': 0x39,
    };
    for (const [ch, make] of Object.entries(expected)) expect(set1(ch), ch).toEqual([make, make | 0x80]);
  });

  it('shifted characters are wrapped in left shift (0x2A … 0xAA); set 2 uses F0 breaks', () => {
    expect(set1('A')).toEqual([0x2a, 0x1e, 0x9e, 0xaa]);
    expect(set1('!')).toEqual([0x2a, 0x02, 0x82, 0xaa]);
    expect(set1('"')).toEqual([0x2a, 0x28, 0xa8, 0xaa]);
    expect(set2('a')).toEqual([0x1c, 0xf0, 0x1c]);
    expect(set2('A')).toEqual([0x12, 0x1c, 0xf0, 0x1c, 0xf0, 0x12]);
  });

  it('control keys: Enter (CR), Backspace, Tab, Esc; Ctrl-A … Ctrl-Z held with left control (0x1D … 0x9D)', () => {
    expect(set1('\r')).toEqual([0x1c, 0x9c]);
    expect(set1('\b')).toEqual([0x0e, 0x8e]);
    expect(set1('\t')).toEqual([0x0f, 0x8f]);
    expect(set1('\x1b')).toEqual([0x01, 0x81]);
    expect(set1('\x03')).toEqual([0x1d, 0x2e, 0xae, 0x9d]); // Ctrl-C
    expect(set1('\x1a')).toEqual([0x1d, 0x2c, 0xac, 0x9d]); // Ctrl-Z
    expect(set2('\x01')).toEqual([0x14, 0x1c, 0xf0, 0x1c, 0xf0, 0x14]); // Ctrl-A
  });

  it('bytes without a key on the US layout: none', () => {
    for (const ch of [0x00, 0x1c, 0x1d, 0x80, 0xe9, 0xff]) expect(keyForChar(ch), `0x${ch.toString(16)}`).toBeNull();
  });
});
