/** @file US-layout keys for terminal characters: scan code set 1 (what an 8042 with translation delivers) and set 2 (the keyboard's own). */

/** One key: its set 1 and set 2 make codes. */
export interface KeyCodes {
  readonly set1: number;
  readonly set2: number;
}

/** Left shift (set 1 / set 2 make codes). */
export const LEFT_SHIFT: KeyCodes = { set1: 0x2a, set2: 0x12 };
/** Left control (set 1 / set 2 make codes). */
export const LEFT_CTRL: KeyCodes = { set1: 0x1d, set2: 0x14 };

/** Keys in row order: the unshifted and shifted characters, then set 1 and set 2 make codes (IBM PC/AT keyboard tables). */
const KEYS: readonly (readonly [string, string, number, number])[] = [
  ['\x1b', '\x1b', 0x01, 0x76],
  ['1', '!', 0x02, 0x16], ['2', '@', 0x03, 0x1e], ['3', '#', 0x04, 0x26], ['4', '$', 0x05, 0x25], ['5', '%', 0x06, 0x2e],
  ['6', '^', 0x07, 0x36], ['7', '&', 0x08, 0x3d], ['8', '*', 0x09, 0x3e], ['9', '(', 0x0a, 0x46], ['0', ')', 0x0b, 0x45],
  ['-', '_', 0x0c, 0x4e], ['=', '+', 0x0d, 0x55], ['\b', '\x7f', 0x0e, 0x66], ['\t', '\t', 0x0f, 0x0d],
  ['q', 'Q', 0x10, 0x15], ['w', 'W', 0x11, 0x1d], ['e', 'E', 0x12, 0x24], ['r', 'R', 0x13, 0x2d], ['t', 'T', 0x14, 0x2c],
  ['y', 'Y', 0x15, 0x35], ['u', 'U', 0x16, 0x3c], ['i', 'I', 0x17, 0x43], ['o', 'O', 0x18, 0x44], ['p', 'P', 0x19, 0x4d],
  ['[', '{', 0x1a, 0x54], [']', '}', 0x1b, 0x5b], ['\r', '\n', 0x1c, 0x5a],
  ['a', 'A', 0x1e, 0x1c], ['s', 'S', 0x1f, 0x1b], ['d', 'D', 0x20, 0x23], ['f', 'F', 0x21, 0x2b], ['g', 'G', 0x22, 0x34],
  ['h', 'H', 0x23, 0x33], ['j', 'J', 0x24, 0x3b], ['k', 'K', 0x25, 0x42], ['l', 'L', 0x26, 0x4b], [';', ':', 0x27, 0x4c],
  ["'", '"', 0x28, 0x52], ['`', '~', 0x29, 0x0e], ['\\', '|', 0x2b, 0x5d],
  ['z', 'Z', 0x2c, 0x1a], ['x', 'X', 0x2d, 0x22], ['c', 'C', 0x2e, 0x21], ['v', 'V', 0x2f, 0x2a], ['b', 'B', 0x30, 0x32],
  ['n', 'N', 0x31, 0x31], ['m', 'M', 0x32, 0x3a], [',', '<', 0x33, 0x41], ['.', '>', 0x34, 0x49], ['/', '?', 0x35, 0x4a],
  [' ', ' ', 0x39, 0x29],
];

/** A terminal character as a key and whether shift or control is held. */
export interface KeyStroke {
  readonly key: KeyCodes;
  readonly shift: boolean;
  /** Control held: the terminal's control characters 0x01–0x1A (Ctrl-A … Ctrl-Z) not taken by a key of their own. */
  readonly ctrl?: boolean;
}

const BY_CHAR = new Map<number, KeyStroke>();
for (const [plain, shifted, set1, set2] of KEYS) {
  const key = { set1, set2 };
  if (!BY_CHAR.has(plain.charCodeAt(0))) BY_CHAR.set(plain.charCodeAt(0), { key, shift: false });
  if (!BY_CHAR.has(shifted.charCodeAt(0))) BY_CHAR.set(shifted.charCodeAt(0), { key, shift: true });
}

// Ctrl-A … Ctrl-Z: the letter's key with control held, unless the byte is a key of its own (Backspace 08, Tab 09, Enter 0D).
for (let ch = 0x01; ch <= 0x1a; ch++) {
  const letter = BY_CHAR.get(0x60 + ch);
  if (letter !== undefined && !BY_CHAR.has(ch)) BY_CHAR.set(ch, { key: letter.key, shift: false, ctrl: true });
}

/** The key (and shift, control) that types terminal byte `ch`, or null if the US layout has none. */
export function keyForChar(ch: number): KeyStroke | null {
  return BY_CHAR.get(ch) ?? null;
}

/** The bytes a key press and release send: set 1 (break = make | 0x80) or set 2 (break = 0xF0, make). */
export function strokeBytes(stroke: KeyStroke, set1: boolean): number[] {
  const make = (k: KeyCodes): number[] => (set1 ? [k.set1] : [k.set2]);
  const brk = (k: KeyCodes): number[] => (set1 ? [k.set1 | 0x80] : [0xf0, k.set2]);
  const modifier = stroke.ctrl === true ? LEFT_CTRL : stroke.shift ? LEFT_SHIFT : null;
  if (modifier === null) return [...make(stroke.key), ...brk(stroke.key)];
  return [...make(modifier), ...make(stroke.key), ...brk(stroke.key), ...brk(modifier)];
}
