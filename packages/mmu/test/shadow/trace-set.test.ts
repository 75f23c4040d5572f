/** @file Tests of the per-guest-frame lists of traced pool pages. */
import { describe, expect, it } from 'vitest';
import { TraceSet } from '../../src/shadow/trace-set.ts';

function list(t: TraceSet, gfn: number): number[] {
  const out: number[] = [];
  for (let p = t.first(gfn); p >= 0; p = t.next[p]) out.push(p);
  return out;
}

describe('TraceSet', () => {
  it('reports a frame traced while any pool page shadows it, newest first', () => {
    const t = new TraceSet(8, 4);
    expect(t.isTraced(3)).toBe(false);
    expect(t.add(0, 3)).toBe(true);
    expect(t.add(2, 3)).toBe(false);
    expect(t.add(1, 3)).toBe(false);
    expect(list(t, 3)).toEqual([1, 2, 0]);
    t.remove(2, 3);
    expect(list(t, 3)).toEqual([1, 0]);
    t.remove(1, 3);
    expect(list(t, 3)).toEqual([0]);
    expect(t.isTraced(3)).toBe(true);
    t.remove(0, 3);
    expect(t.isTraced(3)).toBe(false);
    expect(list(t, 3)).toEqual([]);
  });

  it('ignores frames beyond guest RAM', () => {
    const t = new TraceSet(8, 4);
    expect(t.add(0, 8)).toBe(false);
    expect(t.isTraced(8)).toBe(false);
    expect(t.first(9)).toBe(-1);
    t.remove(0, 8);
    expect(t.isTraced(0)).toBe(false);
  });
});
