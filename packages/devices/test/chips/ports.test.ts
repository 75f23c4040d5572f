/** @file Exit port (0xF4) and POST port (0x80) tests. */
import { describe, expect, it } from 'vitest';
import { ExitPort } from '../../src/chips/exit-port.ts';
import { PostPort } from '../../src/chips/post-port.ts';

describe('exit port', () => {
  it('records the first code written and reports every request', () => {
    const codes: number[] = [];
    const port = new ExitPort((c) => codes.push(c));
    expect(port.exitCode).toBe(null);
    port.write(0, 4, 0xdeadbeef);
    port.write(0, 4, 1);
    expect(port.exitCode).toBe(0xdeadbeef);
    expect(codes).toEqual([0xdeadbeef, 1]);
    expect(port.read(0, 4)).toBe(0);
    const other = new ExitPort();
    other.restoreState(JSON.parse(JSON.stringify(port.saveState())));
    expect(other.exitCode).toBe(0xdeadbeef);
  });
});

describe('POST port', () => {
  it('latches the last code and counts writes', () => {
    const seen: number[] = [];
    const post = new PostPort((c) => seen.push(c));
    post.write(0, 1, 0x12);
    post.write(0, 1, 0x1ab);
    expect(post.read(0, 1)).toBe(0xab);
    expect(post.writes).toBe(2);
    expect(seen).toEqual([0x12, 0xab]);
  });
});
