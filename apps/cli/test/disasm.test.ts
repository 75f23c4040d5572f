/** @file `x86virt disasm`: listing format, --org/--bits/--start/--length, and one-line errors for bad input. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disasmCommand } from '../src/commands/disasm.ts';
import { buildProgram } from '../src/main.ts';
import { UsageError } from '../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'x86virt-disasm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'code.bin');
// push ebp; mov ebp,esp; mov eax,DWORD PTR [ebp+0x8]; jmp $; ret
writeFileSync(file, Uint8Array.from([0x55, 0x89, 0xe5, 0x8b, 0x45, 0x08, 0xeb, 0xfe, 0xc3]));

function run(args: string[]): string[] {
  const lines: string[] = [];
  let status = -1;
  buildProgram((l) => lines.push(l), (c) => (status = c)).parse(['disasm', ...args], { from: 'user' });
  expect(status).toBe(0);
  return lines;
}

describe('x86virt disasm', () => {
  it('prints address: bytes  text lines', () => {
    expect(run([file])).toEqual([
      '00000000: 55                    push   ebp',
      '00000001: 89 e5                 mov    ebp,esp',
      '00000003: 8b 45 08              mov    eax,DWORD PTR [ebp+0x8]',
      '00000006: eb fe                 jmp    0x6',
      '00000008: c3                    ret',
    ]);
  });

  it('honours --org, --start and --length (branch targets follow the origin)', () => {
    expect(run([file, '--org', '0x7c00', '--start', '6', '--length', '2'])).toEqual(['00007c06: eb fe                 jmp    0x7c06']);
  });

  it('decodes 16-bit code with --bits 16', () => {
    expect(run([file, '--bits', '16', '--length', '6'])).toEqual([
      '00000000: 55                    push   bp',
      '00000001: 89 e5                 mov    bp,sp',
      '00000003: 8b 45 08              mov    ax,WORD PTR [di+0x8]',
    ]);
  });

  it('shows an instruction cut off by the range end as truncated', () => {
    expect(run([file, '--start', '3', '--length', '2'])).toEqual(['00000003: 8b 45                 (truncated)']);
  });

  it('rejects a missing file, a bad --bits and a --start past the end with a UsageError', () => {
    expect(() => disasmCommand(join(dir, 'nope.bin'), {}, () => {})).toThrow(UsageError);
    expect(() => disasmCommand(file, { bits: 64 }, () => {})).toThrow(/16 or 32/);
    expect(() => disasmCommand(file, { start: 100 }, () => {})).toThrow(/past the end/);
  });
});
