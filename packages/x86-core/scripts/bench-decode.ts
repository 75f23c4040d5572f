/** @file Decoding-speed benchmark: instructions decoded (and disassembled) per second, on random and on gcc-generated code. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '../src/decode/decoder.ts';
import { formatInstruction } from '../src/disasm/intel-syntax.ts';
import { RANDOM_STREAMS, randomStreamBytes } from './random-stream.ts';

/** Instruction start offsets of a linear sweep over `bytes`. */
function starts(bytes: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let p = 0; p < bytes.length - 16;) {
    out.push(p);
    p += Math.max(decode(bytes, p, 32).length, 1);
  }
  return Int32Array.from(out);
}

function measure(name: string, bytes: Uint8Array, format: boolean): void {
  const offs = starts(bytes);
  let n = 0;
  let sink = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 1000) {
    for (const o of offs) {
      const ins = decode(bytes, o, 32);
      sink += format ? formatInstruction(ins, bytes, o, o, 32).length : ins.length;
    }
    n += offs.length;
    t = performance.now();
  }
  const rate = (n / (t - t0)) * 1000;
  console.log(`${name.padEnd(28)} ${format ? 'disassemble' : 'decode     '} ${(rate / 1e6).toFixed(2).padStart(6)} M instructions/s  (${offs.length} distinct starts, checksum ${sink % 9973})`);
}

const gcc = new Uint8Array(['checksum', 'kernel', 'sort'].flatMap((n) => [...readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'decode', `gcc-${n}.bin`))]));
for (const format of [false, true]) {
  measure('gcc -m32 -O2 corpus', gcc, format);
  for (const s of RANDOM_STREAMS) measure(s.name, randomStreamBytes(s).subarray(0, 100_000), format);
}
