/** @file The block compiler's stack window across a page boundary: a stack straddling two pages — physically adjacent or not, flat or paged, one of them holding code — gives exactly the interpreter's state. */
import { describe, expect, it } from 'vitest';
import { createMachine, poke32, type Machine } from '../helpers/machine.ts';
import { engineState, expectSameAfterRuns } from '../helpers/engine-state.ts';

/**
 * The call loop of the speed guest, with ESP = 0x8008 at the start, so that its stack straddles
 * linear 0x8000: push ecx (0x8004), call f1 (0x8000), call f2 (0x7FFC), ret, ret, pop ecx.
 *   l: push ecx; call f1; pop ecx; add ebx, eax; inc ecx; jmp l
 *   f1: call f2; add eax, ecx; ret
 *   f2: lea eax, [eax + ecx*2 + 1]; ret
 */
const CALL_LOOP = [
  0x51, 0xe8, 0x06, 0x00, 0x00, 0x00, 0x59, 0x01, 0xc3, 0x41, 0xeb, 0xf4, // l … jmp l (f1 at +12)
  0xe8, 0x03, 0x00, 0x00, 0x00, 0x01, 0xc8, 0xc3, // f1 (f2 at +20)
  0x8d, 0x44, 0x48, 0x01, 0xc3, // f2
];

/**
 * A push into the code of the page below the stack's: ESP is moved to 0x7FF5, so that PUSH ECX
 * writes the immediate of `f: mov eax, imm32; ret` at 0x7FF0, which the loop then calls — the
 * interpreter drops f's block at every push (a write to a code page), so f loads each ECX pushed.
 *   l: push ebx; mov esp, 0x7ff5; push ecx; mov esp, 0x8004; call 0x7ff0; pop ebx; add edx, eax; inc ecx; jmp l
 */
const SMC_LOOP = [
  0x53, 0xbc, 0xf5, 0x7f, 0x00, 0x00, 0x51, 0xbc, 0x04, 0x80, 0x00, 0x00, 0xe8, 0xdf, 0x6f, 0x00, 0x00, 0x5b, 0x01, 0xc2, 0x41, 0xeb, 0xe9,
];
const SMC_F = [0xb8, 0x00, 0x00, 0x00, 0x00, 0xc3];

type Variant = 'flat' | 'adjacent' | 'split' | 'code-below';

/** Linear page → physical page of the paged variants (identity elsewhere): 7 and 8 adjacent (0x57, 0x58) or far apart (0x50, 0x60). */
const FRAMES: Record<'adjacent' | 'split', [number, number]> = { adjacent: [0x57, 0x58], split: [0x50, 0x60] };

function machine(variant: Variant, jitThreshold: number): Machine {
  const smc = variant === 'code-below';
  const m = createMachine({ code: smc ? SMC_LOOP : CALL_LOOP, esp: 0x8008, regs: { eax: 1, ecx: 0x10, ebx: 0 }, ramSize: 0x100000 });
  if (smc) m.ram.set(SMC_F, 0x7ff0);
  if (variant === 'adjacent' || variant === 'split') {
    poke32(m, 0x34000, 0x35000 | 3);
    for (let p = 0; p < 1024; p++) poke32(m, 0x35000 + p * 4, (p << 12) | 3);
    const [below, at] = FRAMES[variant];
    poke32(m, 0x35000 + 7 * 4, (below << 12) | 3);
    poke32(m, 0x35000 + 8 * 4, (at << 12) | 3);
    m.cpu.cr3 = 0x34000;
    m.cpu.cr0 |= 0x80000000;
  }
  m.engine.jitThreshold = jitThreshold;
  return m;
}

/** Every frame the stack could reach, whichever way the pages are mapped. */
function snapshot(m: Machine): unknown {
  return engineState(m, { frames: [0x4f000, 0x62000], low: [0x6000, 0xa000] });
}

describe('the stack window across a page boundary behaves exactly as the interpreter', () => {
  for (const variant of ['flat', 'adjacent', 'split', 'code-below'] as const) {
    it(`${variant}: the same state after runs of many budgets`, () => {
      const interp = machine(variant, Infinity);
      const jit = machine(variant, 1);
      // Past the region's warm-up calls (short slices, every other one with the window shut), then long runs: the same state after every run.
      expectSameAfterRuns(interp, jit, Array.from({ length: 1200 }, (_, k) => 1 + ((k * 37) % 300)), snapshot);
      expectSameAfterRuns(interp, jit, [1, 7, 100, 5000, 14892, 200_000], snapshot);
      expect(jit.engine.compiledBlocks).toBeGreaterThan(0);
      expect(jit.cpu.counters.vectors.some((v) => v !== 0)).toBe(false);
      if (variant === 'code-below') {
        // Every push into f's immediate dropped f's block.
        expect(interp.cpu.counters.blocksInvalidated).toBeGreaterThan(1000);
      } else {
        // The loop ran through both pages of the stack: the return address of `call f2` is at 0x7FFC.
        const below = variant === 'flat' ? 0x7 : FRAMES[variant][0];
        expect(interp.ram[(below << 12) + 0xffc]).toBe(0x11); // f1's `add eax, ecx` at 0x1011
      }
    });
  }
});
