/** @file The I/O bus: port ranges and MMIO ranges dispatched to chips, which see offsets from their base. */
import { allOnes, type AccessSize, type IoDevice } from './device.ts';

/** Marks a port that no device claims in the dispatch table. */
const UNCLAIMED = 0xffff;

/** How one device is attached: its name, its range, the widest access it takes natively. */
export interface BusMapping {
  /** The name the mapping was given (used in access counts and error messages). */
  readonly name: string;
  /** First port (port space) or first physical address (MMIO space). */
  readonly base: number;
  /** Number of ports or bytes claimed. */
  readonly length: number;
  /** Widest access the device takes whole; wider accesses are split into little-endian pieces. */
  readonly width: AccessSize;
  /** The chip. */
  readonly device: IoDevice;
  /** Offset, within the chip, of the mapping's first port or byte. */
  readonly offset: number;
}

/** Options of one mapping. */
export interface MapOptions {
  /** Widest access the device takes whole (default 1 for ports, 4 for MMIO). */
  readonly width?: AccessSize;
  /** Offset, within the chip, of the first port or byte mapped (default 0). */
  readonly offset?: number;
}

/**
 * Port I/O and MMIO dispatch. Satisfies x86-core's `IoPorts` structurally. Ports go through a
 * 64 Ki-entry table (no search, no allocation per access); accesses wider than a device's
 * `width` are split into consecutive narrower ones, as an ISA bus does for 8-bit devices.
 * Unclaimed ports read as all ones and ignore writes. Every access is counted per mapping.
 * A device that wants the run loop to stop (exit port, reset line) calls `requestStop()`;
 * the engine polls `stopRequested()` (x86-core's `IoPorts.stopRequested`) after each I/O instruction.
 */
export class IoBus {
  private stopFlag = false;
  /** Accesses to unclaimed ports (reads and writes). */
  unclaimedAccesses = 0;

  private readonly portSlot = new Uint16Array(0x10000).fill(UNCLAIMED);
  private readonly ports: BusMapping[] = [];
  private readonly portCounts: number[] = [];
  private readonly mmio: BusMapping[] = [];
  private readonly mmioCounts: number[] = [];

  /** Claims ports `base .. base+length-1` for `device`; overlapping an existing claim throws. */
  mapPorts(name: string, base: number, length: number, device: IoDevice, options: MapOptions = {}): void {
    if (!Number.isInteger(base) || !Number.isInteger(length) || length < 1 || base < 0 || base + length > 0x10000) {
      throw new RangeError(`${name}: bad port range 0x${base.toString(16)}+${length}`);
    }
    for (let p = base; p < base + length; p++) {
      const slot = this.portSlot[p]!;
      if (slot !== UNCLAIMED) throw new RangeError(`${name}: port 0x${p.toString(16)} already belongs to ${this.ports[slot]!.name}`);
    }
    const slot = this.ports.length;
    this.ports.push({ name, base, length, width: options.width ?? 1, device, offset: options.offset ?? 0 });
    this.portCounts.push(0);
    this.portSlot.fill(slot, base, base + length);
  }

  /** Claims physical addresses `base .. base+length-1` for `device`; overlapping an existing claim throws. */
  mapMmio(name: string, base: number, length: number, device: IoDevice, options: MapOptions = {}): void {
    if (!Number.isInteger(base) || !Number.isInteger(length) || length < 1 || base < 0 || base + length > 2 ** 32) {
      throw new RangeError(`${name}: bad MMIO range 0x${base.toString(16)}+${length}`);
    }
    for (const m of this.mmio) {
      if (base < m.base + m.length && m.base < base + length) throw new RangeError(`${name}: MMIO range overlaps ${m.name}`);
    }
    this.mmio.push({ name, base, length, width: options.width ?? 4, device, offset: options.offset ?? 0 });
    this.mmioCounts.push(0);
  }

  /**
   * Moves the MMIO mapping called `name` to `base` (a relocatable register window, e.g. the
   * local APIC through IA32_APIC_BASE); overlapping another mapping throws and leaves it in place.
   */
  remapMmio(name: string, base: number): void {
    const i = this.mmio.findIndex((m) => m.name === name);
    if (i < 0) throw new RangeError(`no MMIO mapping called ${name}`);
    const m = this.mmio[i]!;
    if (!Number.isInteger(base) || base < 0 || base + m.length > 2 ** 32) throw new RangeError(`${name}: bad MMIO base 0x${base.toString(16)}`);
    for (const o of this.mmio) {
      if (o !== m && base < o.base + o.length && o.base < base + m.length) throw new RangeError(`${name}: MMIO range overlaps ${o.name}`);
    }
    this.mmio[i] = { ...m, base };
  }

  /** The port mappings, in the order they were made. */
  portMappings(): readonly BusMapping[] {
    return this.ports;
  }

  /** The MMIO mappings, in the order they were made. */
  mmioMappings(): readonly BusMapping[] {
    return this.mmio;
  }

  /** Accesses so far per mapping name (ports and MMIO), plus `unclaimed`. */
  accessCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    this.ports.forEach((m, i) => (out[m.name] = (out[m.name] ?? 0) + this.portCounts[i]!));
    this.mmio.forEach((m, i) => (out[m.name] = (out[m.name] ?? 0) + this.mmioCounts[i]!));
    out['unclaimed'] = this.unclaimedAccesses;
    return out;
  }

  /** Called by a device whose access should end the current run (exit port, reset). */
  requestStop(): void {
    this.stopFlag = true;
  }

  /** True once a device asked the run loop to stop; cleared by `clearStop()`. */
  stopRequested(): boolean {
    return this.stopFlag;
  }

  /** Forgets a stop request (the run loop has handled it). */
  clearStop(): void {
    this.stopFlag = false;
  }

  /** IN: `size` bytes from `port`, little-endian across consecutive ports when split. */
  portRead(port: number, size: AccessSize): number {
    port &= 0xffff;
    const slot = this.portSlot[port]!;
    if (slot === UNCLAIMED) {
      if (size === 1) {
        this.unclaimedAccesses++;
        return 0xff;
      }
    } else {
      const m = this.ports[slot]!;
      if (size <= m.width) {
        this.portCounts[slot]!++;
        return m.device.read(port - m.base + m.offset, size);
      }
    }
    if (size === 2) return this.portRead(port, 1) | (this.portRead(port + 1, 1) << 8);
    return (this.portRead(port, 2) | (this.portRead(port + 2, 2) << 16)) >>> 0;
  }

  /** OUT: `size` bytes of `value` to `port`, little-endian across consecutive ports when split. */
  portWrite(port: number, size: AccessSize, value: number): void {
    port &= 0xffff;
    const slot = this.portSlot[port]!;
    if (slot === UNCLAIMED) {
      if (size === 1) {
        this.unclaimedAccesses++;
        return;
      }
    } else {
      const m = this.ports[slot]!;
      if (size <= m.width) {
        this.portCounts[slot]!++;
        m.device.write(port - m.base + m.offset, size, value & allOnes(size));
        return;
      }
    }
    if (size === 2) {
      this.portWrite(port, 1, value & 0xff);
      this.portWrite(port + 1, 1, (value >>> 8) & 0xff);
    } else {
      this.portWrite(port, 2, value & 0xffff);
      this.portWrite(port + 2, 2, (value >>> 16) & 0xffff);
    }
  }

  /** True if physical address `addr` belongs to a memory-mapped device. */
  isMmio(addr: number): boolean {
    const list = this.mmio;
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!;
      if (addr >= m.base && addr < m.base + m.length) return true;
    }
    return false;
  }

  /** Reads `size` bytes at MMIO address `addr`; an address no device claims reads all ones. */
  mmioRead(addr: number, size: AccessSize): number {
    const i = this.mmioIndex(addr);
    if (i < 0) {
      this.unclaimedAccesses++;
      return allOnes(size);
    }
    const m = this.mmio[i]!;
    if (size <= m.width) {
      this.mmioCounts[i]!++;
      return m.device.read(addr - m.base + m.offset, size);
    }
    if (size === 2) return this.mmioRead(addr, 1) | (this.mmioRead(addr + 1, 1) << 8);
    return (this.mmioRead(addr, 2) | (this.mmioRead(addr + 2, 2) << 16)) >>> 0;
  }

  /** Writes `size` bytes of `value` at MMIO address `addr`; an address no device claims ignores it. */
  mmioWrite(addr: number, size: AccessSize, value: number): void {
    const i = this.mmioIndex(addr);
    if (i < 0) {
      this.unclaimedAccesses++;
      return;
    }
    const m = this.mmio[i]!;
    if (size <= m.width) {
      this.mmioCounts[i]!++;
      m.device.write(addr - m.base + m.offset, size, value & allOnes(size));
      return;
    }
    if (size === 2) {
      this.mmioWrite(addr, 1, value & 0xff);
      this.mmioWrite(addr + 1, 1, (value >>> 8) & 0xff);
    } else {
      this.mmioWrite(addr, 2, value & 0xffff);
      this.mmioWrite(addr + 2, 2, (value >>> 16) & 0xffff);
    }
  }

  private mmioIndex(addr: number): number {
    const list = this.mmio;
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!;
      if (addr >= m.base && addr < m.base + m.length) return i;
    }
    return -1;
  }
}
