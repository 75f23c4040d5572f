/** @file `x86virt translate`: the CCFs of a symbol of the hello guest, IDENT and non-IDENT marked; one-line errors. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { translateCommand } from '../src/commands/translate.ts';
import { UsageError } from '../src/errors.ts';
import { profileByName } from '../src/profile.ts';

const hello = join(import.meta.dirname, '..', '..', '..', 'packages', 'bench', 'guests', 'hello', 'hello.elf');
const opts = { cmdline: '', mem: 64, profile: profileByName('p4-2006') };

describe('x86virt translate', () => {
  it('--symbol serial_putc lists its two CCFs: the in/test/je poll loop and the out/ret', () => {
    const lines: string[] = [];
    expect(translateCommand(hello, { ...opts, symbol: 'serial_putc' }, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toMatch(/stopped \(exit\) after \d+ instructions; 2 of \d+ CCFs shown$/);
    const marks = lines.filter((l) => /^ {2}[0-9a-f]{8}:/.test(l)).map((l) => l.slice(40, 58).trim());
    expect(marks).toEqual(['IDENT', 'IDENT', 'CALLOUT(io)', 'IDENT', 'JCC', 'IDENT', 'IDENT', 'CALLOUT(io)', 'RET']);
  });
  it('an unknown symbol is a usage error', () => {
    expect(() => translateCommand(hello, { ...opts, symbol: 'nope' }, () => {})).toThrow(UsageError);
  });
});
