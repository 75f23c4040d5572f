/** @file A tiny byte assembler for the fuzz harness: raw bytes at a fixed origin, labels, and rel32/abs32 fix-ups. */

/** Bytes placed at a physical/linear origin, with named labels resolved when `finish` is called. */
export class Asm {
  private readonly bytes: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; label: string; kind: 'rel32' | 'abs32' | 'rel8' }[] = [];

  readonly origin: number;

  constructor(origin: number) {
    this.origin = origin;
  }

  /** The address of the next byte. */
  get here(): number {
    return this.origin + this.bytes.length;
  }

  /** Appends raw bytes. */
  db(...b: readonly number[]): this {
    for (const x of b) this.bytes.push(x & 0xff);
    return this;
  }

  /** Appends a little-endian 32-bit value. */
  dd(v: number): this {
    return this.db(v, v >>> 8, v >>> 16, v >>> 24);
  }

  /** Appends a little-endian 16-bit value. */
  dw(v: number): this {
    return this.db(v, v >>> 8);
  }

  /** Defines `name` at the current address. */
  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`fuzz asm: label ${name} defined twice`);
    this.labels.set(name, this.here);
    return this;
  }

  /** A 32-bit displacement to `label` from the end of this field. */
  rel32(label: string): this {
    this.fixups.push({ at: this.bytes.length, label, kind: 'rel32' });
    return this.dd(0);
  }

  /** An 8-bit displacement to `label` from the end of this field. */
  rel8(label: string): this {
    this.fixups.push({ at: this.bytes.length, label, kind: 'rel8' });
    return this.db(0);
  }

  /** The absolute address of `label`. */
  abs32(label: string): this {
    this.fixups.push({ at: this.bytes.length, label, kind: 'abs32' });
    return this.dd(0);
  }

  /** The address of a defined label. */
  addressOf(name: string): number {
    const at = this.labels.get(name);
    if (at === undefined) throw new Error(`fuzz asm: undefined label ${name}`);
    return at;
  }

  /** Pads with `fill` up to `addr`. */
  org(addr: number, fill = 0x90): this {
    if (addr < this.here) throw new Error(`fuzz asm: code at ${this.here.toString(16)} overruns ${addr.toString(16)}`);
    while (this.here < addr) this.bytes.push(fill);
    return this;
  }

  /** Resolves the fix-ups and returns the bytes. */
  finish(): Uint8Array {
    const out = Uint8Array.from(this.bytes);
    const view = new DataView(out.buffer);
    for (const f of this.fixups) {
      const target = this.labels.get(f.label);
      if (target === undefined) throw new Error(`fuzz asm: undefined label ${f.label}`);
      if (f.kind === 'abs32') view.setUint32(f.at, target >>> 0, true);
      else if (f.kind === 'rel32') view.setInt32(f.at, target - (this.origin + f.at + 4), true);
      else {
        const d = target - (this.origin + f.at + 1);
        if (d < -128 || d > 127) throw new Error(`fuzz asm: rel8 to ${f.label} out of range`);
        view.setInt8(f.at, d);
      }
    }
    return out;
  }
}
