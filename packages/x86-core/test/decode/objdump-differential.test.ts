/** @file Differential test of decode() and the disassembler against objdump -M intel: seeded random streams and gcc -m32 -O2 output. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RANDOM_STREAMS, randomStreamBytes } from '../../scripts/random-stream.ts';
import { compare, normalise, type Comparison } from './objdump-compare.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'decode');

function parseGolden(text: string): [number, string][] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const tab = l.indexOf('\t');
    return [Number(l.slice(0, tab)), l.slice(tab + 1)];
  });
}

/** The counts the reviewed file declares: `| stream | kind | class | count |` rows of its tables. */
function declaredCounts(): Map<string, number> {
  const md = readFileSync(join(fixtures, 'known-differences.md'), 'utf8');
  const out = new Map<string, number>();
  for (const m of md.matchAll(/^\| `([\w-]+)` \| (length|text) \| `([\w-]+)` \| (\d+) \|/gm)) out.set(`${m[1]}/${m[2]}/${m[3]}`, Number(m[4]));
  return out;
}

function counts(name: string, c: Comparison): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, n] of Object.entries(c.exclusions)) out.set(`${name}/length/${k}`, n);
  for (const [k, n] of Object.entries(c.textDifferences)) out.set(`${name}/text/${k}`, n);
  return out;
}

const hasObjdump = spawnSync('objdump', ['--version']).status === 0;
const declared = declaredCounts();

describe('decode and disassemble vs objdump -M intel', () => {
  for (const s of RANDOM_STREAMS) {
    it(`${s.name}: every length agrees, every text difference is a known one`, () => {
      const lines = parseGolden(gunzipSync(readFileSync(join(fixtures, `${s.name}.objdump.txt.gz`))).toString());
      const c = compare(randomStreamBytes(s), lines, s.bits);
      expect(c.instructions).toBeGreaterThan(s.size / 4);
      expect(c.lengthMismatches.slice(0, 10)).toEqual([]);
      expect(c.unexplained.slice(0, 10)).toEqual([]);
      const got = counts(s.name, c);
      const want = new Map([...declared].filter(([k]) => k.startsWith(`${s.name}/`)));
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    });
  }

  it('covers at least 200 000 random 32-bit instruction starts', () => {
    const total = RANDOM_STREAMS.filter((s) => s.bits === 32).map((s) => parseGolden(gunzipSync(readFileSync(join(fixtures, `${s.name}.objdump.txt.gz`))).toString()).length);
    expect(total.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(200_000);
  });

  for (const name of ['checksum', 'kernel', 'sort']) {
    it(`gcc -m32 -O2 ${name}.c: identical lengths and text`, () => {
      const bytes = new Uint8Array(readFileSync(join(fixtures, `gcc-${name}.bin`)));
      const lines = parseGolden(readFileSync(join(fixtures, `gcc-${name}.objdump.txt`), 'utf8'));
      const c = compare(bytes, lines);
      expect(c.instructions).toBeGreaterThan(100);
      expect([c.lengthMismatches, c.unexplained, c.exclusions, c.textDifferences]).toEqual([[], [], {}, {}]);
    });
  }

  it.skipIf(!hasObjdump)('the committed goldens are what this machine\'s objdump prints (first 64 KiB of each stream)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x86virt-objdump-'));
    try {
      for (const s of RANDOM_STREAMS) {
        const file = join(dir, 'code.bin');
        writeFileSync(file, randomStreamBytes(s).subarray(0, 65_536));
        const machine = s.bits === 16 ? 'i8086' : 'i386';
        const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', machine, '-M', 'intel', '-w', file], { maxBuffer: 1 << 28 }).toString();
        const live = out.split('\n').map((l) => /^\s*[0-9a-f]+:\t([0-9a-f ]+)\t(.*)$/.exec(l)).filter((m) => m !== null)
          .map((m) => [(m[1] as string).trim().split(' ').length, normalise(m[2] as string)] as [number, string]);
        const golden = parseGolden(gunzipSync(readFileSync(join(fixtures, `${s.name}.objdump.txt.gz`))).toString());
        expect(live.slice(0, 20_000)).toEqual(golden.slice(0, 20_000));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
