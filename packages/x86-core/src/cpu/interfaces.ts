/** @file The interfaces through which the silicon talks to the outside world; devices and monitors implement them. */

/** Access size of a port or MMIO access, in bytes. */
export type AccessSize = 1 | 2 | 4;

/**
 * Port I/O and MMIO (x86virt's "I/O bus"). devices' `IoBus` satisfies this structurally;
 * x86-core never imports devices.
 */
export interface IoPorts {
  /** IN from `port` (0–0xFFFF). Unclaimed ports read as all ones. */
  portRead(port: number, size: AccessSize): number;
  /** OUT to `port`. Unclaimed ports ignore the write. */
  portWrite(port: number, size: AccessSize, value: number): void;
  /** True if physical address `addr` belongs to a memory-mapped device rather than RAM. */
  isMmio(addr: number): boolean;
  /** Read `size` bytes at MMIO physical address `addr`. */
  mmioRead(addr: number, size: AccessSize): number;
  /** Write `size` bytes at MMIO physical address `addr`. */
  mmioWrite(addr: number, size: AccessSize, value: number): void;
  /**
   * Optional poll, asked after every port or MMIO write: true if a device (the exit port, the
   * reset line) wants the processor to stop. `run()` then returns `{ kind: 'stop-requested' }`
   * at the next instruction boundary; the caller reads the code from the board.
   */
  stopRequested?(): boolean;
}

/**
 * The processor's local APIC as its MSR and CPUID see it (devices' `Board.apicMsr` satisfies
 * this structurally). IA32_APIC_BASE (MSR 0x1B, SDM Vol.3 §11.4.4) reads and writes go to the
 * APIC, which moves its register window and takes the global enable bit (11); CPUID.1:EDX.APIC
 * (bit 9) follows that bit. A processor without one (`Cpu.apic` null) reports no APIC.
 */
export interface ApicBaseMsr {
  /** IA32_APIC_BASE as RDMSR reads it (low 32 bits; the high half is 0: MAXPHYADDR is 32). */
  readonly baseMsrValue: number;
  /** WRMSR IA32_APIC_BASE, reserved bits already checked (#GP) by the processor. */
  writeBaseMsr(value: number): void;
}

/**
 * The processor's INTR input, as an 8259A pair presents it: whether an interrupt is
 * pending, and the INTA cycle that returns its vector.
 */
export interface InterruptController {
  /** True while the INTR line is asserted. */
  hasInterrupt(): boolean;
  /** The interrupt-acknowledge cycle: returns the vector (0–255) and updates ISR/IRR. */
  acknowledge(): number;
}

/**
 * Physical memory as the silicon sees it: guest RAM as one byte array starting at physical
 * address 0 (little-endian), owned by whoever builds the machine. Addresses at or above
 * `ram.length`, and ranges `IoPorts.isMmio` claims, go to the I/O bus.
 */
export interface PhysicalMemory {
  readonly ram: Uint8Array;
  /** The WebAssembly memory `ram` is the whole of, if it is one: REP MOVS/STOS runs then copy and fill with `memory.copy`/`memory.fill` (cpu/guest-ram.ts). */
  readonly wasmMemory?: WasmMemory | undefined;
}

/** A `WebAssembly.Memory` (the project's TypeScript libraries do not declare the WebAssembly API). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
