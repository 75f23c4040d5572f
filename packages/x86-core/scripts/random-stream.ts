/** @file Seeded random byte streams for the objdump differential test (shared by the golden script and the test). */

/** The streams the golden files describe: name, seed, size in bytes, bias toward 0F/prefix forms, code-segment size. */
export const RANDOM_STREAMS = [
  { name: 'random-plain', seed: 0x1a2b3c4d, size: 320_000, biased: false, bits: 32 },
  { name: 'random-biased', seed: 0x5eed0f0f, size: 320_000, biased: true, bits: 32 },
  { name: 'random-16bit', seed: 0x16b17c0d, size: 120_000, biased: false, bits: 16 },
] as const;

/** A random-stream description. */
export type RandomStream = (typeof RANDOM_STREAMS)[number];

const PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];

/**
 * The bytes of a stream: xorshift32 from the seed. A biased stream overwrites the head of each
 * 8-byte slot with a prefix, an 0F escape, 0F 38/3A or 0F 01 (70% of slots) so that the
 * two-byte and three-byte maps are exercised as often as the one-byte map.
 */
export function randomStreamBytes(s: RandomStream): Uint8Array {
  let x = s.seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const out = new Uint8Array(s.size);
  for (let i = 0; i < out.length; i++) out[i] = next() & 0xff;
  if (!s.biased) return out;
  for (let i = 0; i + 8 < out.length; i += 8) {
    const r = next() % 10;
    let p = i;
    if (r < 3) {
      if (next() & 1) out[p++] = PREFIXES[next() % PREFIXES.length] as number;
      out[p++] = 0x0f;
    } else if (r < 4) {
      out[p++] = [0x66, 0xf2, 0xf3][next() % 3] as number;
      out[p++] = 0x0f;
    } else if (r < 5) {
      out[p++] = 0x0f;
      out[p++] = next() & 1 ? 0x38 : 0x3a;
    } else if (r < 6) {
      out[p++] = 0x0f;
      out[p++] = 0x01;
    } else if (r < 7) out[p++] = PREFIXES[next() % PREFIXES.length] as number;
  }
  return out;
}
