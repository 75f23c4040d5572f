/** @file Tests of the reverse map from guest frames to writable shadow PTE slots. */
import { describe, expect, it } from 'vitest';
import { WritableMap } from '../../src/shadow/writable-map.ts';

function list(w: WritableMap, gfn: number): number[] {
  const out: number[] = [];
  for (let s = w.first(gfn); s >= 0; s = w.next[s]) out.push(s);
  return out;
}

describe('WritableMap', () => {
  it('keeps one list of slots per guest frame', () => {
    const w = new WritableMap(16, 2);
    w.add(5, 7);
    w.add(1030, 7);
    w.add(6, 2);
    expect(list(w, 7)).toEqual([1030, 5]);
    expect(list(w, 2)).toEqual([6]);
    w.remove(1030, 7);
    expect(list(w, 7)).toEqual([5]);
    w.add(2047, 7);
    w.clear(7);
    expect(list(w, 7)).toEqual([]);
    expect(w.next[5]).toBe(-1);
    expect(list(w, 2)).toEqual([6]);
    w.add(5, 2);
    expect(list(w, 2)).toEqual([5, 6]);
  });
});
