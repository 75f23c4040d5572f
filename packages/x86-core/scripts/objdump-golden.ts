/** @file Writes the objdump golden files of the decoder's differential test (run: pnpm --filter @x86virt/x86-core golden). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RANDOM_STREAMS, randomStreamBytes } from './random-stream.ts';

const here = import.meta.dirname;
const fixtures = join(here, '..', 'test', 'fixtures', 'decode');
const work = mkdtempSync(join(tmpdir(), 'x86virt-golden-'));

/** Runs objdump on raw 32-bit (or 16-bit) code and returns `[length, text]` per instruction, stopping 16 bytes before the end. */
export function objdumpLines(bytes: Uint8Array, bits: 16 | 32 = 32): [number, string][] {
  const file = join(work, 'code.bin');
  writeFileSync(file, bytes);
  const machine = bits === 16 ? 'i8086' : 'i386';
  const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', machine, '-M', 'intel', '-w', file], { maxBuffer: 1 << 30 }).toString();
  const lines: [number, string][] = [];
  let expected = 0;
  for (const l of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$/.exec(l);
    if (!m) continue;
    const addr = Number.parseInt(m[1] as string, 16);
    const len = (m[2] as string).trim().split(' ').length;
    if (addr !== expected) throw new Error(`objdump output out of step at 0x${addr.toString(16)}`);
    if (addr + len > bytes.length - 16) break;
    lines.push([len, (m[3] as string).replace(/\s+/g, ' ').trim()]);
    expected = addr + len;
  }
  return lines;
}

function header(): string {
  return `# ${execFileSync('objdump', ['--version']).toString().split('\n')[0]}\n`;
}

function render(lines: [number, string][]): string {
  return header() + lines.map(([n, t]) => `${n}\t${t}\n`).join('');
}

try {
  for (const s of RANDOM_STREAMS) {
    const lines = objdumpLines(randomStreamBytes(s), s.bits);
    writeFileSync(join(fixtures, `${s.name}.objdump.txt.gz`), gzipSync(render(lines), { level: 9 }));
    console.log(`${s.name}: ${lines.length} instructions`);
  }
  for (const c of readdirSync(join(here, 'corpus')).filter((f) => f.endsWith('.c')).sort()) {
    const name = c.slice(0, -2);
    const obj = join(work, `${name}.o`);
    const bin = join(fixtures, `gcc-${name}.bin`);
    execFileSync('gcc', ['-m32', '-O2', '-ffreestanding', '-fno-pic', '-fno-asynchronous-unwind-tables', '-c', join(here, 'corpus', c), '-o', obj]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', obj, bin]);
    // 16 bytes of int3 padding so the last instruction is inside the compared range.
    const code = new Uint8Array([...readFileSync(bin), ...new Array<number>(16).fill(0xcc)]);
    writeFileSync(bin, code);
    const lines = objdumpLines(code);
    writeFileSync(join(fixtures, `gcc-${name}.objdump.txt`), render(lines));
    console.log(`gcc-${name}: ${lines.length} instructions`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
