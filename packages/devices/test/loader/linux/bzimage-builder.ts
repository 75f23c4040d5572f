/** @file Builds small synthetic bzImages for the Linux loader tests: a setup header with chosen fields and a recognizable protected-mode payload. */

/** Header fields a test may set (defaults: a protocol 2.15 relocatable kernel like Debian's). */
export interface BzImageSpec {
  readonly version?: number;
  readonly setupSects?: number;
  readonly loadflags?: number;
  readonly code32Start?: number;
  readonly initrdAddrMax?: number;
  readonly kernelAlignment?: number;
  readonly relocatable?: boolean;
  readonly cmdlineSize?: number;
  readonly prefAddress?: number;
  readonly initSize?: number;
  /** Protected-mode kernel bytes (default 0x3000 bytes of a counting pattern). */
  readonly payload?: Uint8Array;
  /** Boot flag / magic left out (default false). */
  readonly noMagic?: boolean;
  /** Extra length added to syssize, to make the file look truncated. */
  readonly syssizeExtra?: number;
}

/** A counting byte pattern of `n` bytes starting at `seed`. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i * 7) & 0xff;
  return out;
}

/** The bzImage bytes for `spec`. */
export function buildBzImage(spec: BzImageSpec = {}): Uint8Array {
  const setupSects = spec.setupSects ?? 4;
  const payload = spec.payload ?? pattern(0x3000, 0x41);
  const setupBytes = ((setupSects || 4) + 1) * 512;
  const out = new Uint8Array(setupBytes + payload.length);
  const v = new DataView(out.buffer);
  out[0x1f1] = setupSects;
  v.setUint32(0x1f4, Math.ceil(payload.length / 16) + (spec.syssizeExtra ?? 0), true);
  if (!spec.noMagic) {
    v.setUint16(0x1fe, 0xaa55, true);
    v.setUint32(0x202, 0x53726448, true);
  }
  out[0x200] = 0xeb;
  out[0x201] = 0x6a; // header through 0x26b (protocol 2.12+ layout)
  v.setUint16(0x206, spec.version ?? 0x020f, true);
  out[0x211] = spec.loadflags ?? 0x01;
  v.setUint32(0x214, spec.code32Start ?? 0x100000, true);
  v.setUint32(0x22c, spec.initrdAddrMax ?? 0x7fffffff, true);
  v.setUint32(0x230, spec.kernelAlignment ?? 0x1000000, true);
  out[0x234] = (spec.relocatable ?? true) ? 1 : 0;
  v.setUint32(0x238, spec.cmdlineSize ?? 2047, true);
  v.setBigUint64(0x258, BigInt(spec.prefAddress ?? 0x1000000), true);
  v.setUint32(0x260, spec.initSize ?? 0x400000, true);
  out.set(payload, setupBytes);
  return out;
}
