/** @file Reading guest memory the way the guest sees it: guest-linear addresses through the guest's own page tables (shadow vCPU control registers). */
import { Access, PageWalk, probeLegacy, walkLegacy } from '@x86virt/mmu';
import type { Cpu } from '@x86virt/x86-core';

/** Guest-linear access to guest RAM, translated with the guest's CR0/CR3/CR4 (taken from the shadow vCPU). */
export class GuestMemory {
  /** The last walk (fault address and error code after a failed translation). */
  readonly walk = new PageWalk();
  /** #PF error code of the last failed translation, else -1. */
  lastFault = -1;

  private readonly vcpu: Cpu;
  /** Guest RAM (guest-physical 0 upward). */
  readonly ram: Uint8Array;

  constructor(vcpu: Cpu, ram: Uint8Array) {
    this.vcpu = vcpu;
    this.ram = ram;
  }

  /** Guest-physical address of `lin` for a supervisor access (`Access` bits), or -1 (fault; `lastFault` holds the code). */
  translate(lin: number, access: number = Access.READ): number {
    const v = this.vcpu;
    const r = walkLegacy(this.ram, v.cr0, v.cr3, v.cr4, lin | 0, access, this.walk);
    if (r < 0) {
      this.lastFault = ~r & 0x1f;
      return -1;
    }
    this.lastFault = -1;
    return r >= this.ram.length ? -1 : r;
  }

  /**
   * Like `translate`, but leaves the guest's accessed/dirty bits alone: for the monitor's own
   * look-ahead (an operand the instruction may never touch, e.g. because it faults first).
   */
  probe(lin: number, access: number = Access.READ): number {
    const v = this.vcpu;
    const r = probeLegacy(this.ram, v.cr0, v.cr3, v.cr4, lin | 0, access, this.walk);
    if (r < 0) return -1;
    return r >= this.ram.length ? -1 : r;
  }

  /** Reads a dword at a guest-linear address (-1 … as signed) or returns null if it is not mapped. */
  read32(lin: number): number | null {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const p = this.translate((lin + i) | 0);
      if (p < 0) return null;
      v |= this.ram[p]! << (8 * i);
    }
    return v;
  }

  /**
   * Copies up to `n` code bytes at guest-linear `lin` into `out` (a fetch), stopping at the first
   * unmapped byte. Returns how many bytes were copied. With `probe`, accessed bits are left alone
   * (the look-ahead may reach a page the instruction does not occupy).
   */
  fetch(lin: number, out: Uint8Array, n: number, probe = false): number {
    let i = 0;
    while (i < n) {
      const p = probe ? this.probe((lin + i) | 0, Access.FETCH) : this.translate((lin + i) | 0, Access.FETCH);
      if (p < 0) break;
      const inPage = Math.min(n - i, 0x1000 - (p & 0xfff), this.ram.length - p);
      for (let k = 0; k < inPage; k++) out[i + k] = this.ram[p + k]!;
      i += inPage;
    }
    return i;
  }
}
