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
const hasGcc32 = spawnSync('sh', ['-c', 'echo "int x;" | gcc -m32 -ffreestanding -c -x c -o /dev/null -'], { stdio: 'ignore' }).status === 0;
const isCGuest = (g: string): boolean => readdirSync(join(guestsDir, g)).some((f) => f.endsWith('.c'));
/** Guests this machine can rebuild: nasm for all, `gcc -m32` (gcc-multilib) for those with C sources. */
const rebuildable = guests.filter((g) => hasNasm && (hasGcc32 || !isCGuest(g)));

describe('built-in guest images', () => {
  it('include the hello guest', () => {
    expect(guests).toContain('hello');
  });

  it.skipIf(rebuildable.length === 0)('match their sources byte for byte (rebuilt with nasm and gcc -m32)', () => {
    const out = mkdtempSync(join(tmpdir(), 'x86virt-guests-'));
    execFileSync(join(guestsDir, 'build'), ['--out', out, ...rebuildable], { stdio: 'pipe' });
    for (const g of rebuildable) {
      const committed = readFileSync(join(guestsDir, g, `${g}.elf`));
      const rebuilt = readFileSync(join(out, `${g}.elf`));
      expect(rebuilt.equals(committed), `${g}.elf is stale: run packages/bench/guests/build`).toBe(true);
    }
  });
  if (rebuildable.length < guests.length) {
    const missing = guests.filter((g) => !rebuildable.includes(g));
    console.warn(`guests.test: cannot rebuild ${missing.join(', ')} here (needs nasm${hasGcc32 ? '' : ' and gcc-multilib'}); their image-vs-source check is skipped`);
  }
});

describe.skipIf(!hasQemu)('under qemu-system-i386', () => {
  it('hello prints "hello" on COM1 and exits with code 0 through port 0xf4', () => {
    const r = spawnSync(join(guestsDir, 'qemu-run'), [join(guestsDir, 'hello', 'hello.elf'), '--timeout', '30'], { encoding: 'utf8' });
    expect(r.stdout).toBe('hello\n');
    expect(r.status).toBe(0);
  });
});
if (!hasQemu) console.warn('guests.test: qemu-system-i386 not installed; skipping QEMU boots (apt-get install -y qemu-system-x86)');
