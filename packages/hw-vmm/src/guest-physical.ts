/** @file Guest-physical memory as the guest may see it under hw-vmm: the monitor's memory above guest RAM is unclaimed space (all ones, writes dropped), and emulation steps walk the guest's tables in guest RAM only. */
import { Access, PageWalk, probeLegacy, Tlb } from '@x86virt/mmu';
import { decode, OPF, type AccessSize, type IoPorts } from '@x86virt/x86-core';

/**
 * The silicon's I/O bus in hw mode: the board's bus, except that every physical address at or
 * above `monitorBase` counts as memory-mapped. No device claims that range, so the board's bus
 * answers a read with all ones and ignores a write, exactly as the native board treats
 * addresses no RAM or device backs. The guest's own accesses never reach it through the shadow
 * or nested tables (they map guest RAM only); this view is what the one-instruction emulation
 * step, which runs on the guest's own page tables, sees.
 */
export function guestPhysicalIo(bus: IoPorts, monitorBase: number): IoPorts {
  const io: IoPorts = {
    portRead: (port: number, size: AccessSize) => bus.portRead(port, size),
    portWrite: (port: number, size: AccessSize, value: number) => bus.portWrite(port, size, value),
    isMmio: (addr: number) => addr >= monitorBase || bus.isMmio(addr),
    mmioRead: (addr: number, size: AccessSize) => bus.mmioRead(addr, size),
    mmioWrite: (addr: number, size: AccessSize, value: number) => bus.mmioWrite(addr, size, value),
  };
  const stop = bus.stopRequested;
  if (stop !== undefined) io.stopRequested = () => stop.call(bus);
  return io;
}

/**
 * The TLB of the emulation step's ASID: it never fills (every access walks), and its 1-D walks
 * read the guest's page tables from guest RAM only, so a table the guest places above its RAM
 * reads as not present, as on the native board, never as the monitor's memory.
 */
export class GuestRamTlb extends Tlb {
  readonly #guestRam: Uint8Array;

  constructor(guestRam: Uint8Array) {
    super({ isRam: () => false });
    this.#guestRam = guestRam;
  }

  override translate(_mem: Uint8Array, cr0: number, cr3: number, cr4: number, linear: number, access: number, walk: PageWalk): number {
    return super.translate(this.#guestRam, cr0, cr3, cr4, linear, access, walk);
  }
}

/** What the guest's code fetch at CS:EIP would touch. */
export interface FetchSite {
  /** CS base + EIP. */
  readonly linear: number;
  /** 32-bit code segment (CS.D). */
  readonly d32: boolean;
  /** CPL 3. */
  readonly user: boolean;
  /** The guest's CR0/CR3/CR4. */
  readonly cr0: number;
  readonly cr3: number;
  readonly cr4: number;
}

const probeWalk = new PageWalk();
const bytes = new Uint8Array(15);

/**
 * True if fetching the instruction at `site` needs a byte whose guest-physical address lies at
 * or above guest RAM (`guestRam.length`): natively a #GP(0) (the board has no memory there to
 * fetch from). Walks the guest's tables without touching A/D bits; a guest fault on the way is
 * not this function's business (false: the step takes it as the silicon would).
 */
export function fetchLeavesRam(guestRam: Uint8Array, site: FetchSite): boolean {
  const top = guestRam.length;
  const access = Access.FETCH | (site.user ? Access.USER : 0);
  const p0 = probeLegacy(guestRam, site.cr0, site.cr3, site.cr4, site.linear, access, probeWalk);
  if (p0 < 0) return false;
  if (p0 >= top) return true;
  const tail = 0x1000 - (site.linear & 0xfff);
  if (tail >= bytes.length) return false;
  // The instruction may run onto the next linear page: does it need bytes from there?
  bytes.set(guestRam.subarray(p0, p0 + tail));
  const d = decode(bytes.subarray(0, tail), 0, site.d32 ? 32 : 16);
  if ((d.row.flags & OPF.TRUNCATED) === 0 && d.length <= tail) return false;
  const p1 = probeLegacy(guestRam, site.cr0, site.cr3, site.cr4, (site.linear + tail) | 0, access, probeWalk);
  return p1 >= top;
}
