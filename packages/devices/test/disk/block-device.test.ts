/** @file Disk backend tests: memory disk bounds, the copy-on-write overlay. */
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice, OverlayBlockDevice } from '../../src/disk/block-device.ts';

describe('block devices', () => {
  it('a memory disk must be whole sectors', () => {
    expect(() => new MemoryBlockDevice(new Uint8Array(513))).toThrow(/multiple of 512/);
    expect(new MemoryBlockDevice(new Uint8Array(1024)).sectorCount).toBe(2);
  });

  it('an overlay reads its own sectors first and never writes the base', () => {
    const base = new MemoryBlockDevice(new Uint8Array(4 * 512).fill(7));
    const o = new OverlayBlockDevice(base);
    o.write(1, new Uint8Array(1024).fill(9));
    const out = new Uint8Array(4 * 512);
    o.read(0, 4, out);
    expect([out[0], out[512], out[1535], out[1536]]).toEqual([7, 9, 9, 7]);
    expect(base.bytes.every((b) => b === 7)).toBe(true);
    expect(o.dirtySectors).toBe(2);
  });
});
