/** @file Benchmark program: guest MIPS of the engine on compute-bound loops in RAM, block compiler on and off (prints, asserts nothing). */
import { Cpu } from '../src/cpu/cpu.ts';
import { enterFlatProtectedMode } from '../src/cpu/reset.ts';
import { UNIT_PROFILE } from '../src/cost/cost-profile.ts';
import { InterpreterEngine, JIT_THRESHOLD } from '../src/engine/engine.ts';
import { noIo } from './no-io.ts';

/** Guest programs: name, machine code (placed at 0x1000), comment, EAX at the start (default 0). */
const PROGRAMS: { name: string; code: number[]; asm: string; eax?: number }[] = [
  {
    name: 'alu-loop',
    asm: 'l: add eax,ecx; xor edx,eax; shl ebx,1; or ebx,edx; dec ecx; jnz l; jmp l',
    code: [0x01, 0xc8, 0x31, 0xc2, 0xd1, 0xe3, 0x09, 0xd3, 0x49, 0x75, 0xf5, 0xeb, 0xf3],
  },
  {
    name: 'mem-loop',
    asm: 'l: mov [esi+ecx*4],eax; add eax,[esi+ecx*4]; and ecx,0x3ff; inc ecx; cmp eax,edx; jne l; jmp l',
    code: [0x89, 0x04, 0x8e, 0x03, 0x04, 0x8e, 0x81, 0xe1, 0xff, 0x03, 0x00, 0x00, 0x41, 0x39, 0xd0, 0x75, 0xef, 0xeb, 0xed],
  },
  {
    // The speed guest's alu loop (packages/bench/guests/speed/speed-loops.asm): xorshift32 and a data-dependent branch.
    name: 'xorshift',
    asm: 'l: mov edx,eax; shl edx,13; xor eax,edx; mov edx,eax; shr edx,17; xor eax,edx; mov edx,eax; shl edx,5; xor eax,edx; test al,1; jz e; add ebx,eax; jmp n; e: sub ebx,eax; xor ebx,ecx; n: dec ecx; jnz l; mov ecx,1000; jmp l',
    code: [
      0x89, 0xc2, 0xc1, 0xe2, 0x0d, 0x31, 0xd0, 0x89, 0xc2, 0xc1, 0xea, 0x11, 0x31, 0xd0, 0x89, 0xc2, 0xc1, 0xe2, 0x05, 0x31, 0xd0, 0xa8, 0x01, 0x74, 0x04, 0x01, 0xc3,
      0xeb, 0x04, 0x29, 0xc3, 0x31, 0xcb, 0x49, 0x75, 0xdc, 0xb9, 0xe8, 0x03, 0x00, 0x00, 0xeb, 0xd5,
    ],
    eax: 2463534242 | 0,
  },
  {
    name: 'call-loop',
    asm: 'l: push ecx; call f; pop ecx; loop l; jmp l; f: lea eax,[eax+ecx*2]; ret',
    code: [0x51, 0xe8, 0x05, 0x00, 0x00, 0x00, 0x59, 0xe2, 0xf7, 0xeb, 0xf5, 0x8d, 0x04, 0x48, 0xc3],
  },
];

function measure(code: number[], eax: number, instructions: number, jitThreshold: number): number {
  const ram = new Uint8Array(0x200000);
  ram.set(code, 0x1000);
  const cpu = new Cpu({ memory: { ram }, io: noIo, cost: UNIT_PROFILE });
  enterFlatProtectedMode(cpu, { eip: 0x1000, esp: 0x80000 });
  cpu.regs[6] = 0x100000;
  cpu.regs[1] = 1000;
  cpu.regs[0] = eax;
  const engine = new InterpreterEngine(cpu);
  engine.jitThreshold = jitThreshold;
  engine.run(2_000_000); // warm-up (block compiler, V8 tiers)
  // Best of three: the machine is shared, the slowest runs measure the neighbours.
  let best = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    engine.run(instructions);
    const ms = performance.now() - t0;
    best = Math.max(best, instructions / ms / 1000);
  }
  return best;
}

const N = 30_000_000;
console.log(`x86-core interpreter: guest MIPS (best of 3 x ${N / 1e6}M instructions per program, UNIT_PROFILE)`);
console.log(`  ${''.padEnd(10)} ${'compiled'.padStart(12)} ${'interpreted'.padStart(12)}`);
for (const p of PROGRAMS) {
  const jit = measure(p.code, p.eax ?? 0, N, JIT_THRESHOLD);
  const interp = measure(p.code, p.eax ?? 0, N, Infinity);
  console.log(`  ${p.name.padEnd(10)} ${jit.toFixed(1).padStart(7)} MIPS ${interp.toFixed(1).padStart(7)} MIPS   ${p.asm}`);
}

/** The same computation as alu-loop written directly in JavaScript: the host's reference speed, measured side by side. */
function nativeReference(iterations: number): number {
  let eax = 0;
  let ebx = 1;
  let ecx = 1000;
  let edx = 0;
  let best = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    for (let n = 0; n < iterations; n++) {
      eax = (eax + ecx) | 0;
      edx ^= eax;
      ebx <<= 1;
      ebx |= edx;
      ecx = (ecx - 1) | 0;
      if (ecx === 0) ecx = 1000;
    }
    best = Math.max(best, (iterations * 6) / (performance.now() - t0) / 1000);
  }
  if (eax === 42 && ebx === 42) console.log('');
  return best;
}
const ref = nativeReference(N / 6);
console.log(`  ${'native-js'.padEnd(10)} ${ref.toFixed(1).padStart(7)} M guest-equivalent instructions/s (alu-loop as plain JS: the machine's ceiling right now)`);
