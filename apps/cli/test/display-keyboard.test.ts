/** @file `--display text`: live redraws (on change, at most every 50 ms of host time), terminal bytes to the 8042 as scan codes, and a piped-stdin run of a guest that echoes keys. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Board, ByteQueue, CGA_TEXT_BASE } from '@x86virt/devices';
import { describe, expect, it } from 'vitest';
import { REDRAW_MS, TextDisplay } from '../src/text-display.ts';
import { NO_SERIAL_INPUT, pumpKeys } from '../src/terminal-keyboard.ts';

const bundle = join(import.meta.dirname, '..', 'dist', 'x86virt.mjs');
const echoGuest = join(import.meta.dirname, '..', '..', '..', 'packages', 'bench', 'guests', 'kbd-echo', 'kbd-echo.elf');

function board(): Board {
  return new Board({ cpuHz: 3_800_000_000 });
}

function put(b: Board, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) {
    b.ram[CGA_TEXT_BASE + 2 * (offset + i)] = text.charCodeAt(i);
    b.ram[CGA_TEXT_BASE + 2 * (offset + i) + 1] = 0x07;
  }
}

describe('live text display', () => {
  it('redraws in place when the screen changed and at least REDRAW_MS passed; never twice for the same screen', () => {
    const out: string[] = [];
    let now = 0;
    const d = new TextDisplay({ live: true, write: (t) => out.push(t), now: () => now });
    const b = board();
    d.attach(b);
    put(b, 0, 'first');
    d.poll();
    expect(out).toHaveLength(1);
    expect(out[0]!.startsWith('\x1b[H\x1b[2J+')).toBe(true);
    expect(out[0]).toContain('|first');
    put(b, 0, 'second');
    now = REDRAW_MS - 1;
    d.poll(); // too soon
    expect(out).toHaveLength(1);
    now = REDRAW_MS;
    d.poll();
    expect(out).toHaveLength(2);
    expect(out[1]).toContain('|second');
    now = 10 * REDRAW_MS;
    d.poll(); // nothing changed
    expect(out).toHaveLength(2);
    b.bus.portWrite(0x3d4, 1, 0x0f);
    b.bus.portWrite(0x3d5, 1, 81); // the cursor moves to row 1, column 1
    d.poll();
    expect(out).toHaveLength(3);
    expect(out[2]).toContain('cursor 1,1');
    d.finish();
    expect(d.frames).toBe(4);
  });

  it('not live (stderr not a terminal): only the final screen, without control sequences', () => {
    const out: string[] = [];
    const d = new TextDisplay({ live: false, write: (t) => out.push(t), now: () => 1e9 });
    const b = board();
    d.attach(b);
    put(b, 80, 'row one');
    d.poll();
    expect(out).toHaveLength(0);
    d.finish();
    expect(out).toHaveLength(1);
    expect(out[0]!.split('\n')[2]).toBe(`|row one${' '.repeat(73)}|`);
    expect(out[0]).not.toContain('\x1b');
  });
});

describe('terminal keyboard', () => {
  it('bytes waiting on the terminal reach the 8042 as set 1 make/break codes (the firmware enables translation)', () => {
    const b = board();
    const q = new ByteQueue();
    q.push('aB\r\x03');
    expect(pumpKeys(q, b)).toBe(4);
    expect(pumpKeys(q, b)).toBe(0);
    const codes: number[] = [];
    while (b.bus.portRead(0x64, 1) & 1) codes.push(b.bus.portRead(0x60, 1));
    expect(codes).toEqual([0x1e, 0x9e, 0x2a, 0x30, 0xb0, 0xaa, 0x1c, 0x9c, 0x1d, 0x2e, 0xae, 0x9d]);
    expect(NO_SERIAL_INPUT.read()).toBe(-1);
  });

  for (const mode of ['native', 'bt', 'hw'] as const) {
    it(`${mode}: piped stdin with --display text is typed on the keyboard of a guest that echoes it on COM1`, () => {
      const r = spawnSync(process.execPath, [bundle, 'run', echoGuest, '--mode', mode, '--display', 'text'], { input: 'Hi there, World!\nA\x03b\x1b', encoding: 'latin1' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('kbd-echo: type; Esc ends\nHi there, World!\nA^Cb\nkbd-echo: scan codes=00000033 characters=00000014\n');
      // stderr is not a terminal here: the final screen only.
      expect(r.stderr.split('\n')[0]).toBe(`+${'-'.repeat(80)}+`);
    }, 120_000);
  }
});
