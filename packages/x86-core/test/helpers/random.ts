/** @file A seeded xorshift32 generator for the randomized engine tests (the same programs on every run). */

/** Returns a generator of 32-bit unsigned values from `seed` (Marsaglia's xorshift32: shifts 13, 17, 5; seed 0, which would stay 0, becomes 1). */
export function xorshift(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}
