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

/** The local APIC (xAPIC): registers, timer in bus clocks, the processor's INTR/INTA. */
export {
  LocalApic, APIC_REG, APIC_LVT, APIC_DELIVERY, APIC_ESR, APIC_BASE_MSR, APIC_DEFAULT_BASE, APIC_VERSION, apicTimerDivisor,
  type LocalApicState, type ExtIntSource, type EoiListener,
} from './chips/local-apic.ts';
/** The 82093AA I/O APIC. */
export { IoApic, IOAPIC_REG, IOAPIC_PINS, IOAPIC_VERSION, IOAPIC_RTE, type ApicBusTarget, type IoApicState } from './chips/io-apic.ts';
/** An ATA channel in PIO mode with master and slave disks, and the IDENTIFY data. */
export {
  AtaChannel, ATA_STATUS, ATA_ERROR, ATA_CONTROL, ATA_DEVICE, ATA_CMD, ATA_OFFSET, type AtaChannelState, type AtaDriveState,
} from './chips/ata-channel.ts';
export { identifyData, defaultGeometry, ATA_MAX_MULTIPLE, LBA28_MAX, type ChsGeometry, type IdentifyInput } from './chips/ata-identify.ts';
/** The CGA text display (CRTC registers, text page at 0xB8000). */
export { Cga, CGA_TEXT_BASE, CGA_COLUMNS, CGA_ROWS, CRTC_REG, CGA_OFFSET, type CgaState } from './chips/cga.ts';
/** US-layout keys as scan code sets 1 and 2. */
export { keyForChar, strokeBytes, LEFT_SHIFT, LEFT_CTRL, type KeyCodes, type KeyStroke } from './chips/keyboard-scancodes.ts';
/** Disk backends: the contract, an in-memory disk, a copy-on-write overlay. */
export { MemoryBlockDevice, OverlayBlockDevice, SECTOR_BYTES, type BlockDevice } from './disk/block-device.ts';
/** MP specification 1.4 tables and the BIOS data area. */
export {
  mpConfigTable, mpFloatingPointer, writeMpTables, writeBiosDataArea, MP_LAYOUT, MP_ENTRY, MP_INT, BDA,
  type MpDescription, type BdaDescription,
} from './platform/mp-tables.ts';

/** The PC memory map (E820) as QEMU reports it, and its key addresses. */
export { pcMemoryMap, E820, PC_MEMORY, MIN_MEM_MIB, MAX_MEM_MIB, type MemoryRegion } from './platform/memory-map.ts';
/** The PC board: RAM, bus, chips, virtual clock, loaders, stop requests. */
export {
  Board,
  PC_PORTS,
  PC_IRQ,
  PC_MMIO,
  IOAPIC_ID,
  DEFAULT_APIC_BUS_RATIO,
  isaIrqToIoApicPin,
  STOP_REASON,
  MAX_HALT_DEADLINES,
  HALT_STARVED,
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
/** The Linux x86 32-bit boot protocol: setup header, zero page, entry state, loader. */
export { parseSetupHeader, isBzImage, protocolText, SETUP_HEADER, BZIMAGE, type SetupHeader } from './loader/linux/setup-header.ts';
export { writeBootParams, BOOT_PARAMS, type BootParamsFields } from './loader/linux/boot-params.ts';
export { linuxEntryState, LINUX_BOOT_CS, LINUX_BOOT_DS, LINUX_BOOT_GDT, LINUX_BOOT_GDT_ENTRIES } from './loader/linux/entry-state.ts';
export { loadLinux, LINUX_LAYOUT, type LinuxOptions, type LinuxLoad } from './loader/linux/linux-loader.ts';
/** Any kernel the board boots: a bzImage or a multiboot image. */
export { loadKernel, type KernelOptions, type KernelLoad } from './loader/load-kernel.ts';
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
