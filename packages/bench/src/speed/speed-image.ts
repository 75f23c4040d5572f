/** @file The speed guest's loops and its parameter block: which loops run and how many iterations, patched into a copy of the image. */

/** The loops of `guests/speed/speed-loops.asm`, in parameter-block order. */
export const SPEED_LOOPS = ['alu', 'mem', 'call', 'indirect', 'rep'] as const;
/** One of `SPEED_LOOPS`. */
export type SpeedLoop = (typeof SPEED_LOOPS)[number];

/** Instructions per iteration of each loop, as documented in speed-loops.asm (the benchmark re-measures them). */
export const SPEED_LOOP_INSNS: Readonly<Record<SpeedLoop, number>> = { alu: 15, mem: 12, call: 10, indirect: 9, rep: 9 };

/** What one loop does, for the report. */
export const SPEED_LOOP_TEXT: Readonly<Record<SpeedLoop, string>> = {
  alu: 'xorshift32 + a branch on its low bit',
  mem: 'dword/word/byte loads and stores over 64 KiB',
  call: 'push, call, call, ret, ret, pop',
  indirect: 'jmp [table + (x & 7) * 4], 8 targets',
  rep: 'rep movsd of 1 KiB (one instruction)',
};

/** Bytes `rep movsd` copies per iteration of the `rep` loop. */
export const REP_BYTES_PER_ITERATION = 1024;

const MAGIC = 'SPEEDPRM';

/** Byte offset of the parameter block (its magic) in the image; throws if the image has none. */
export function findSpeedParams(image: Uint8Array): number {
  const m = [...MAGIC].map((c) => c.charCodeAt(0));
  outer: for (let i = 0; i + m.length + 24 <= image.length; i++) {
    for (let k = 0; k < m.length; k++) if (image[i + k] !== m[k]) continue outer;
    return i;
  }
  throw new Error('not the speed guest: no SPEEDPRM parameter block in the image');
}

/** A copy of `image` that runs only `loop`, `n` times (n = 0: none of the loops, just boot and exit). */
export function patchSpeedImage(image: Uint8Array, loop: SpeedLoop, n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`iterations ${n} out of range`);
  const out = image.slice();
  const at = findSpeedParams(out) + MAGIC.length;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const k = SPEED_LOOPS.indexOf(loop);
  view.setUint32(at, n === 0 ? 0 : 1 << k, true);
  for (let j = 0; j < SPEED_LOOPS.length; j++) view.setUint32(at + 4 + 4 * j, j === k ? n : 0, true);
  return out;
}
