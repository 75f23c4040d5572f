/** @file The monitor's VMCB accessor: every field it reads or writes is counted and charged (the paper's VMCB read/write costs, S1 Table 1). */
import { readField, readFieldHigh, writeField, writeField64, type Cpu, type VmcbField } from '@x86virt/x86-core';

/**
 * VMCB field access as the monitor does it. Each read adds `cost.vmcbRead` to the modeled clock
 * and each write `cost.vmcbWrite` (a hardware VMM's software reads its guest's state out of the
 * VMCB), and both are counted.
 */
export class VmcbAccess {
  /** Fields read and written by the monitor. */
  reads = 0;
  writes = 0;
  readonly #cpu: Cpu;
  readonly #view: DataView;
  readonly vmcb: number;

  constructor(cpu: Cpu, view: DataView, vmcb: number) {
    this.#cpu = cpu;
    this.#view = view;
    this.vmcb = vmcb;
  }

  /** Reads a field (8-byte fields as low + high · 2^32). */
  read(field: VmcbField): number {
    this.reads++;
    this.#cpu.cycles += this.#cpu.cost.vmcbRead;
    return readField(this.#view, this.vmcb, field);
  }

  /** Reads the low dword of an 8-byte field. */
  readLow(field: VmcbField): number {
    this.reads++;
    this.#cpu.cycles += this.#cpu.cost.vmcbRead;
    return this.#view.getUint32(this.vmcb + field.offset, true);
  }

  /** Reads the high dword of an 8-byte field (counted with its low half: no extra charge). */
  readHigh(field: VmcbField): number {
    return readFieldHigh(this.#view, this.vmcb, field);
  }

  /** Writes a field. */
  write(field: VmcbField, value: number): void {
    this.writes++;
    this.#cpu.cycles += this.#cpu.cost.vmcbWrite;
    writeField(this.#view, this.vmcb, field, value);
  }

  /** Writes an 8-byte field from its two dwords. */
  write64(field: VmcbField, lo: number, hi: number): void {
    this.writes++;
    this.#cpu.cycles += this.#cpu.cost.vmcbWrite;
    writeField64(this.#view, this.vmcb, field, lo, hi);
  }
}
