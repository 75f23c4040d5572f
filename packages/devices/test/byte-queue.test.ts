/** @file ByteQueue tests: FIFO order across growth, string and array input, snapshot. */
import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../src/byte-queue.ts';

describe('ByteQueue', () => {
  it('returns bytes in order, -1 when empty, across wrap-around and growth', () => {
    const q = new ByteQueue();
    expect(q.read()).toBe(-1);
    q.push('ab');
    expect(q.read()).toBe(0x61);
    const big = Array.from({ length: 200 }, (_, i) => i);
    q.push(big);
    q.push(new Uint8Array([0x1ff & 0xff]));
    expect(q.length).toBe(202);
    expect(q.toArray().slice(0, 3)).toEqual([0x62, 0, 1]);
    const got: number[] = [];
    for (let b = q.read(); b >= 0; b = q.read()) got.push(b);
    expect(got).toEqual([0x62, ...big, 0xff]);
    q.push('z');
    q.clear();
    expect(q.length).toBe(0);
  });
});
