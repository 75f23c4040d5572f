/** @file Public API of @x86virt/x86-core (named exports only; see README.md). */

/** Decoded-instruction contract: the record, the table row, the prefix/segment/register/flag/operand-kind constants. */
export { OPF, OPK, PREFIX, REG, SEG } from './decode/instruction.ts';
/** Types of the decoded-instruction contract. */
export type { Instruction, OpcodeRow, Operand } from './decode/instruction.ts';
/** `decode(bytes, offset, mode)`: pure table-driven decoder; `MAX_INSTRUCTION_LENGTH` (15). */
export { decode, MAX_INSTRUCTION_LENGTH } from './decode/decoder.ts';
/** Every opcode row (pseudo-rows first: `ROW_ID`), indexed by `Instruction.id`; condition-code names. */
export { OPCODE_ROWS, ROW_ID } from './table/opcode-table.ts';
/** Condition-code suffixes in encoding order (`o`, `no`, `b`, …, `g`). */
export { CC_NAMES } from './table/primary.ts';
/** The processor: state, construction options, the HostSink hook, CR bit names, event kinds. */
export { Cpu, CR0, CR4, EVENT_KIND, type CpuOptions, type HostSink } from './cpu/cpu.ts';
/** Guest RAM in a WebAssembly memory and its bulk operations (copy, fill, compare). */
export { guestMemory, ramOps, type RamOps } from './cpu/guest-ram.ts';
/** The interfaces the silicon defines and devices/monitors implement. */
export type { AccessSize, ApicBaseMsr, InterruptController, IoPorts, PhysicalMemory, WasmMemory } from './cpu/interfaces.ts';
/** The engine contract and the interpreter engine. */
export { describeLivelock, InterpreterEngine, LIVELOCK_DELIVERIES, type DeadlineCallback, type Engine, type StopReason } from './engine/engine.ts';
/** Engine selection (`--engine interp|jit`): the kinds, the default, the compile threshold. */
export { DEFAULT_ENGINE, ENGINE_KINDS, JIT_THRESHOLD, type EngineKind } from './engine/engine.ts';
/** The cost-profile shape, instruction classes, and the test-only unit profile. */
export { INSN_CLASS, INSN_CLASS_COUNT, UNIT_PROFILE, type CostProfile } from './cost/cost-profile.ts';
/** The silicon's counters. */
export { createCounters, resetCounters, type CpuCounters } from './cost/counters.ts';
/** Loading a loader's entry state; reading the architectural state back. */
export { archState, loadEntryState, type ArchState, type EntrySegment, type EntryState } from './cpu/entry-state.ts';
/** Intel-syntax text of one decoded instruction, as `objdump -M intel` prints it. */
export { formatInstruction } from './disasm/intel-syntax.ts';
/** Disassembly of one instruction or a byte range into `address: bytes  text` lines. */
export { disassemble, disassembleRange, formatLine } from './disasm/listing.ts';
/** Types of the disassembly listing. */
export type { DisassembledLine, DisassembleOptions } from './disasm/listing.ts';
/** The encoder (any table row + operand values → bytes), re-encoding of a decoded instruction, its error class. */
export { defaultSegment, encode, EncodeError, requestOf } from './encode/encoder.ts';
/** Types of encoder requests. */
export type { EncodeOperand, EncodeRequest, MemoryOperand } from './encode/encoder.ts';

/** Segment-cache attribute bits and the LDTR/TR cache indexes; shutdown information. */
export { SEG_ATTR, SEG_LDTR, SEG_TR, type ShutdownInfo } from './cpu/cpu.ts';
/** EFLAGS bit names and the architectural EFLAGS value (lazy flags materialized), and its writer. */
export { EFLAGS, readEflags, writeEflags } from './cpu/eflags.ts';
/** Exception vectors and the no-error-code marker. */
export { NO_ERROR_CODE, VECTOR } from './cpu/fault.ts';
/** The multiboot hand-over state: flat 32-bit protected mode. */
export { enterFlatProtectedMode, type FlatModeOptions } from './cpu/reset.ts';
/** The one delivery function every exception and interrupt passes through (HostSink hook first). */
export { deliverEvent } from './cpu/interrupts.ts';
/** Most cached blocks before the engine drops its cache. */
export { MAX_CACHED_BLOCKS } from './engine/engine.ts';
/** The instruction class a row is charged as. */
export { classOfRow } from './cost/insn-class.ts';
/** CPUID values, MSR numbers and the TSC reader. */
export { CPUID_1_EAX, CPUID_1_EDX, CPUID_EXT1_ECX, CPUID_VENDOR, MSR, readTsc } from './exec/system.ts';
/** Handler per opcode row, and the completeness check the tests use. */
export { HANDLERS, missingHandlers } from './exec/dispatch.ts';
/** Loading a segment descriptor cache (with its fast-check bounds) and setting the CPL: what a monitor needs to install shadow state. */
export { setCpl, setSegCache, updateSegFlat } from './cpu/segmentation.ts';

/** SVM: the VMCB layout (named offsets with widths), exit codes, intercept bits, EVENTINJ/V_INTR/IOIO formats, permission-map sizes. */
export {
  CR_INFO_MOV_HI,
  EFER_SVME,
  EVENTINJ,
  INTERCEPT_MISC1,
  INTERCEPT_MISC2,
  IOIO_INFO,
  IOPM_BYTES,
  MSR_VM_HSAVE_PA,
  MSRPM_BYTES,
  V_INTR,
  VMCB,
  VMCB_SAVE_AREA,
  VMCB_SAVE_AREA_END,
  VMCB_SEG_FIELD,
  VMCB_SEGMENT,
  VMCB_SIZE,
  VMEXIT,
  type VmcbField,
} from './svm/vmcb-layout.ts';
/** SVM: the per-processor unit (`vmrun` → exit code, #VMEXIT), its counters and its error class. */
export { Svm, SvmError, type SvmCounters } from './svm/svm.ts';
/** SVM: VMCB field access and the state-save area to/from the processor (a monitor seeds a VMCB with it). */
export { fromVmcbAttrib, loadStateSaveArea, memoryView, readField, readFieldHigh, storeStateSaveArea, toVmcbAttrib, writeField, writeField64 } from './svm/vmcb-state.ts';
/** CPUID as the silicon answers it (for a monitor that intercepts CPUID) and the SVM feature leaf. */
export { cpuidLeaf, CPUID_SVM, CPUID_1_EDX_APIC, APIC_BASE_ENABLE, APIC_BASE_RESERVED, cpuidReportsApic, apicBaseWriteValid } from './exec/system.ts';
/** Processor snapshots: the whole architectural and model state (and counters) as plain data, and its restore. */
export { CPU_SNAPSHOT_VERSION, restoreCpuState, saveCpuState, type CpuSnapshot, type SnapshotValue, type TypedArraySnapshot } from './cpu/snapshot.ts';
