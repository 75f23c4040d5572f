/** @file The built-in guests: committed images match their sources, and each boots under QEMU. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const guestsDir = join(import.meta.dirname, '..', 'guests');
const guests = readdirSync(guestsDir).filter((d) => existsSync(join(guestsDir, d, `${d}.elf`)));
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const hasNasm = has('nasm');
const hasQemu = has('qemu-system-i386');

describe('built-in guest images', () => {
  it('include the hello guest', () => {
    expect(guests).toContain('hello');
  });

  it.skipIf(!hasNasm)('match their sources byte for byte (rebuilt with nasm)', () => {
    const out = mkdtempSync(join(tmpdir(), 'x86virt-guests-'));
    execFileSync(join(guestsDir, 'build'), ['--out', out, ...guests], { stdio: 'pipe' });
    for (const g of guests) {
      const committed = readFileSync(join(guestsDir, g, `${g}.elf`));
      const rebuilt = readFileSync(join(out, `${g}.elf`));
      expect(rebuilt.equals(committed), `${g}.elf is stale: run packages/bench/guests/build`).toBe(true);
    }
  });
  if (!hasNasm) console.warn('guests.test: nasm not installed; skipping the image-vs-source check (apt-get install -y nasm)');
});

describe.skipIf(!hasQemu)('under qemu-system-i386', () => {
  it('hello prints "hello" on COM1 and exits with code 0 through port 0xf4', () => {
    const r = spawnSync(join(guestsDir, 'qemu-run'), [join(guestsDir, 'hello', 'hello.elf'), '--timeout', '30'], { encoding: 'utf8' });
    expect(r.stdout).toBe('hello\n');
    expect(r.status).toBe(0);
  });
});
if (!hasQemu) console.warn('guests.test: qemu-system-i386 not installed; skipping QEMU boots (apt-get install -y qemu-system-x86)');
