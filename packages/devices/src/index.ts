/** @file Public API of @x86virt/devices (named exports only; see README.md). */

/** Register access size and the chip contracts: `IoDevice` (read/write by offset), `TimedDevice` (tick → deadline), `Snapshottable`. */
export type { AccessSize, IoDevice, TimedDevice, Snapshottable } from './device.ts';
/** All ones of an access size (what a floating bus reads). */
export { allOnes } from './device.ts';
/** Interrupt wires: the `IrqLine` contract, an unconnected line, and an edge pulse. */
export { NO_IRQ, pulse, type IrqLine } from './irq-line.ts';
/** Exact cycle ↔ device-clock conversion (no drift) and exact floor division. */
export { ClockConverter, floorDiv } from './clock.ts';
/** The I/O bus: port and MMIO ranges → devices with offsets; satisfies x86-core's `IoPorts`. */
export { IoBus, type BusMapping, type MapOptions } from './io-bus.ts';
/** Serial input: a byte source contract and the queue the host fills. */
export { ByteQueue, type ByteSource } from './byte-queue.ts';

/** One 8259A interrupt controller, its OCW2 command codes and state. */
export { I8259, OCW2, type I8259State } from './chips/i8259.ts';
/** The cascaded 8259A pair: x86-core's `InterruptController`. */
export { I8259Pair, CASCADE_IRQ, type I8259PairState } from './chips/i8259-pair.ts';
/** The chipset's edge/level control registers (0x4D0–0x4D1). */
export { Elcr, ELCR_WRITABLE } from './chips/elcr.ts';
/** The 8254 interval timer, its input frequency and access-mode codes. */
export { I8254, PIT_HZ, PIT_ACCESS, type I8254State, type PitChannelState } from './chips/i8254.ts';
/** Port 0x61: PIT counter 2 gate/output and speaker enable. */
export { NmiStatusControl, NMI_SC, type NmiStatusControlState } from './chips/nmi-status-control.ts';
/** The 16550A UART and its register bit names. */
export { Uart16550, LSR, IER, IIR, MCR, MSR, type Uart16550State } from './chips/uart16550.ts';
/** The MC146818 RTC/CMOS, its clock rate, default epoch and register names. */
export { Mc146818, RTC_HZ, DEFAULT_RTC_EPOCH, RTC_REG, RTC_B, RTC_C, periodicTicks, type Mc146818State } from './chips/mc146818.ts';
/** The 8042 keyboard controller (reset line). */
export { I8042, I8042_STATUS, I8042_CMD, type I8042State } from './chips/i8042.ts';
/** The POST port 0x80. */
export { PostPort, type PostPortState } from './chips/post-port.ts';
/** The exit port 0xF4 (QEMU isa-debug-exit convention). */
export { ExitPort, type ExitPortState } from './chips/exit-port.ts';

/** The PC memory map (E820) as QEMU reports it, and its key addresses. */
export { pcMemoryMap, E820, PC_MEMORY, MIN_MEM_MIB, MAX_MEM_MIB, type MemoryRegion } from './platform/memory-map.ts';
/** The PC board: RAM, bus, chips, virtual clock, loaders, stop requests. */
export {
  Board,
  PC_PORTS,
  PC_IRQ,
  STOP_REASON,
  type StopReason,
  type BoardOptions,
  type BoardState,
  type BootOptions,
} from './platform/pc.ts';

/** Bad kernel images: the error class and its problem codes. */
export { ImageError, IMAGE_PROBLEM, type ImageProblem } from './loader/image-error.ts';
/** ELF32 i386 executable parsing. */
export { parseElf32, isElf, ELF, type ElfImage, type ElfSegment } from './loader/elf.ts';
/** The multiboot header search and its constants. */
export { findMultibootHeader, MULTIBOOT, type MultibootHeader, type AoutKludge } from './loader/multiboot-header.ts';
/** The multiboot loader, its info layout, and QEMU's command-line form. */
export {
  loadMultiboot,
  qemuCommandLine,
  MULTIBOOT_INFO,
  DEFAULT_BOOT_LOADER_NAME,
  type MultibootModule,
  type MultibootOptions,
  type MultibootLoad,
  type LoadedModule,
} from './loader/multiboot.ts';
/** The entry state a loader hands the processor, as plain data. */
export {
  multibootEntryState,
  FLAT_CODE,
  FLAT_DATA,
  BOOT_GDT,
  BOOT_GDT_ENTRIES,
  BOOT_ESP,
  CR0,
  EFLAGS_FIXED,
  type InitialCpuState,
  type SegmentState,
  type SegmentRegisters,
  type TableRegister,
} from './loader/initial-state.ts';
