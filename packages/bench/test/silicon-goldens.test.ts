/** @file The t-* silicon test guests: each one's committed golden is what qemu-system-i386 prints for it. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const guestsDir = join(import.meta.dirname, '..', 'guests');
const siliconGuests = readdirSync(guestsDir)
  .filter((d) => d.startsWith('t-') && existsSync(join(guestsDir, d, `${d}.elf`)))
  .sort();
const hasQemu = spawnSync('sh', ['-c', 'command -v qemu-system-i386']).status === 0;

/** Boots one guest under QEMU and renders its run in the golden format: serial output, then `exit=<code>`. */
function qemuGolden(guest: string): string {
  const r = spawnSync(join(guestsDir, 'qemu-run'), [join(guestsDir, guest, `${guest}.elf`), '--timeout', '60'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = r.stdout === '' || r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`;
  return `${out}exit=${String(r.status)}\n`;
}

describe('silicon test guests (t-*)', () => {
  it('every guest folder has its image and a golden that ends with exit=0', () => {
    expect(siliconGuests.length).toBeGreaterThanOrEqual(1);
    for (const g of siliconGuests) {
      const golden = readFileSync(join(guestsDir, g, 'golden.txt'), 'utf8');
      expect(golden.endsWith('\nexit=0\n'), `${g}/golden.txt must end with exit=0`).toBe(true);
      expect(golden.includes('PANIC'), `${g}/golden.txt holds a PANIC line`).toBe(false);
    }
  });

  describe.skipIf(!hasQemu)('under qemu-system-i386', () => {
    for (const g of siliconGuests) {
      it(`${g} prints its golden byte for byte`, () => {
        const golden = readFileSync(join(guestsDir, g, 'golden.txt'), 'utf8');
        expect(qemuGolden(g)).toBe(golden);
      });
    }
  });
});
if (!hasQemu) {
  console.warn('silicon-goldens.test: qemu-system-i386 not installed; skipping the QEMU reruns (apt-get install -y qemu-system-x86)');
}
