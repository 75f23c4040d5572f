/** @file Benchmark program: the interpreter's (and block compiler's) guest MIPS on the speed guest's loops (packages/bench/guests/speed/speed-loops.asm) run in-process, by process CPU time (prints, asserts nothing). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cpu } from '../src/cpu/cpu.ts';
import { enterFlatProtectedMode } from '../src/cpu/reset.ts';
import { UNIT_PROFILE } from '../src/cost/cost-profile.ts';
import { guestMemory } from '../src/cpu/guest-ram.ts';
import { InterpreterEngine, JIT_THRESHOLD } from '../src/engine/engine.ts';
import { noIo } from './no-io.ts';

const LOOPS = ['alu', 'mem', 'call', 'indirect', 'rep'] as const;
/** Where the image is loaded and starts: a table of the loops' addresses, then a HLT the loops return to. */
const ORG = 0x100000;
/** 10h above a page boundary, as in the speed guest (its stack_top): the call loop's stack straddles two pages. */
const STACK_TOP = 0x80010;

/** Assembles the speed loops (nasm, flat binary at `ORG`) behind a table of their five entry points. */
function assemble(): Uint8Array {
  const here = dirname(fileURLToPath(import.meta.url));
  const loops = join(here, '..', '..', 'bench', 'guests', 'speed', 'speed-loops.asm');
  const dir = mkdtempSync(join(tmpdir(), 'x86virt-speed-'));
  try {
    const src = join(dir, 'image.asm');
    writeFileSync(
      src,
      [
        'bits 32',
        `org ${ORG}`,
        'section .text',
        'entries: dd speed_alu, speed_mem, speed_call, speed_indirect, speed_rep',
        'done: hlt',
        '    jmp done',
        `%include "${loops}"`,
        '',
      ].join('\n'),
    );
    const out = join(dir, 'image.bin');
    execFileSync('nasm', ['-f', 'bin', '-w-other', '-o', out, src]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Guest MIPS of one loop (best of `rounds` runs of `insns` instructions each, after a warm-up), by this process's CPU time. */
function measure(image: Uint8Array, loop: number, insns: number, rounds: number, jitThreshold: number): number {
  const memory = guestMemory(0x400000);
  const ram = memory.ram;
  ram.set(image, ORG);
  const view = new DataView(ram.buffer);
  const entry = view.getUint32(ORG + 4 * loop, true);
  const cpu = new Cpu({ memory, io: noIo, cost: UNIT_PROFILE });
  // The cdecl call speed_<loop>(0xFFFFFFFF), returning to the HLT at `done`: it never returns within the budget.
  view.setUint32(STACK_TOP - 8, ORG + 20, true);
  view.setUint32(STACK_TOP - 4, 0xffffffff, true);
  enterFlatProtectedMode(cpu, { eip: entry, esp: STACK_TOP - 8 });
  const engine = new InterpreterEngine(cpu);
  engine.jitThreshold = jitThreshold;
  engine.run(Math.min(insns, 3_000_000)); // warm-up (V8 tiers, block compiler)
  let best = 0;
  for (let k = 0; k < rounds; k++) {
    const t0 = process.cpuUsage();
    const stop = engine.run(insns);
    const t = process.cpuUsage(t0);
    if (stop.kind !== 'budget') throw new Error(`${LOOPS[loop]}: stopped (${stop.kind}) at EIP ${cpu.eip.toString(16)}`);
    best = Math.max(best, insns / (t.user + t.system));
  }
  return best;
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => {
    const k = args.indexOf(name);
    return k >= 0 && args[k + 1] !== undefined ? args[k + 1]! : dflt;
  };
  const loops = opt('--loops', LOOPS.join(',')).split(',');
  const insns = Number(opt('--insns', '20000000'));
  const rounds = Number(opt('--rounds', '3'));
  const engines = opt('--engine', 'interp').split(',');
  for (const l of loops) if (!(LOOPS as readonly string[]).includes(l)) throw new Error(`unknown loop '${l}' (loops: ${LOOPS.join(', ')})`);
  for (const e of engines) if (e !== 'interp' && e !== 'jit') throw new Error(`unknown engine '${e}' (interp, jit)`);
  if (!(Number.isInteger(insns) && insns > 0 && Number.isInteger(rounds) && rounds > 0)) throw new Error('--insns and --rounds take positive integers');
  if (loops.length > 1) {
    // One process per loop, as `bench:speed` runs them: V8's feedback then comes from that loop alone.
    console.log(`speed loops in-process (one process per loop): guest MIPS by process CPU time, best of ${rounds} × ${insns / 1e6}M instructions (rep movsd of 1 KiB = one instruction)`);
    // The arguments less any --loops and its value (without one, indexOf is -1: nothing is dropped).
    const at = args.indexOf('--loops');
    const rest = at < 0 ? args : args.filter((_a, k) => k !== at && k !== at + 1);
    for (const name of loops) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...rest, '--loops', name, '--quiet', '1'], { encoding: 'utf8' });
      process.stdout.write(out);
    }
    return;
  }
  const image = assemble();
  if (opt('--quiet', '0') === '0') console.log(`speed loops in-process: guest MIPS by process CPU time, best of ${rounds} × ${insns / 1e6}M instructions (rep movsd of 1 KiB = one instruction)`);
  for (const name of loops) {
    const loop = (LOOPS as readonly string[]).indexOf(name);
    const cells = engines.map((e) => `${e} ${measure(image, loop, insns, rounds, e === 'jit' ? JIT_THRESHOLD : Infinity).toFixed(1).padStart(7)}`);
    console.log(`  ${name.padEnd(9)} ${cells.join('   ')}`);
  }
}

try {
  main();
} catch (e) {
  console.error(`speed-loops: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
