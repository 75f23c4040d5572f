/** @file Public API of @x86virt/bench: the paper's experiments, the built-in guests and the reports. */
/** The paper's published numbers: nanobenchmarks, forkwait, Table 1, macro percentages, §8 orderings. */
export {
  MODES,
  PAPER_FORKWAIT,
  PAPER_FORKWAIT_CORE2,
  PAPER_FORKWAIT_ITERATIONS,
  PAPER_MACRO,
  PAPER_NANO,
  PAPER_SHAPES,
  PAPER_TABLE1,
  paperNanoFor,
  type Mode,
  type PaperMacro,
  type PaperNano,
  type PaperShape,
  type ShapeMode,
  type ShapeRelation,
} from './paper.ts';
export { guestImagePath, GUESTS_DIR } from './guests.ts';
/** Running one guest in one mode: the result record, options, and the mode dispatcher. */
export { DEFAULT_MAX_INSNS, type GuestRun, type GuestRunOptions, type GuestStop } from './machine/guest-run.ts';
export { availableModes, ModeUnavailableError, runGuest } from './machine/run-guest.ts';
/** Native mode: the board + processor machine and its run loop. */
export { createNativeMachine, flattenCounters, retired, runNative, type NativeMachine } from './machine/native.ts';
/** Bt mode: the software VMM's machine and run (bt-vmm on a board with monitor memory). */
export { btCostsOf, createBtMachine, runBt, type BtMachineSetup } from './machine/bt.ts';
/** The monitors' fixed memory, hashed region by region (the attack suite's "monitor unchanged" check). */
export { btMonitorRegions, hashMonitorRegions, hwMonitorRegions, type MonitorDigest, type MonitorRegion } from './machine/monitor-memory.ts';
/** One benchmark job and its outcome; `runJob` is what each runner worker executes. */
export { JOB_MAX_INSNS, jobModes, runJob, type BenchJob, type JobOutcome } from './machine/run-job.ts';
/** Cost profiles (`profiles/*.json`): loading, validation, the mapping to the silicon's CostProfile. */
export {
  BT_KEYS,
  ENTRY_KINDS,
  entryAt,
  INSN_CLASS_NAMES,
  loadProfile,
  MONITOR_KEYS,
  PROFILE_NAMES,
  ProfileError,
  profileEntries,
  SILICON_KEYS,
  SVM_KEYS,
  toCostProfile,
  validateProfile,
  type BenchProfile,
  type EntryKind,
  type ProfileEntry,
} from './profiles.ts';
/** Arithmetic of derived profile values. */
export { evaluateFormula, FormulaError, formulaNames } from './profile-formula.ts';
/** The results model: one run, the whole report, RESULT-line parsers, JSON round trip. */
export {
  macroLine,
  nanoLine,
  PAPER,
  parseResultLines,
  reportFromJson,
  reportToJson,
  ResultsError,
  type BenchReport,
  type MacroLine,
  type MissingMode,
  type NanoLine,
  type ResultLine,
  type RunFailure,
  type RunResult,
} from './results.ts';
/** The suite's workloads and their sizes. */
export { MACRO_WORKLOADS, NANO_WORKLOADS, SIZES, workloadsFor, type Workload } from './workloads.ts';
/** The Debian i386 Linux guest: its files, its log comparison, and the `linux` bench suite (forkwait per mode). */
export { afterInit, comparableLinuxLog, forkwaitCmdline, LINUX_BASE_CMDLINE, LINUX_CACHE_DIR, LINUX_GUEST_DIR, LINUX_MEM_MIB, linuxGuestFiles, maskLinuxLog, prepareLinuxGuest, type LinuxGuestFiles } from './linux/linux-guest.ts';
export { LINUX_FORKS, renderLinuxBench, runLinuxBench, type LinuxBenchReport, type LinuxMark, type LinuxModeResult, type QemuTimes } from './linux/linux-bench.ts';
/** The runner: a worker-thread pool over jobs, with progress. */
export { poolSize, runJobs, runPool, type RunJobsOptions } from './runner.ts';
export { describeOutcome, ProgressDisplay, type ProgressStream } from './progress.ts';
/** The whole benchmark as one call. */
export { runBench, type RunBenchOptions } from './run-bench.ts';
/** Reports: terminal tables, shape checks, breakdowns, perf-kvm-stat tables, HTML with SVG charts. */
export { forkwaitTable, hostTable, macroTable, nanoTable, paperForkwait, renderTerminal, shapeTable, statTables } from './report/terminal.ts';
export { ABOUT_EQUAL_TOLERANCE, checkShapes, MUCH_LESS_FACTOR, relationHolds, SHAPE_MODE, type ShapeCheck, type ShapeStep } from './report/shape-checks.ts';
export { breakdown, eventRows, MONITOR_EVENT_PREFIXES, vectorName, type EventRow, type TimeSlice } from './report/breakdown.ts';
export { forkwaitSeconds, macroCycles, nanoCycles, percentOfNative } from './report/numbers.ts';
export { chartSpecs, renderSvg, type ChartSpec } from './report/charts.ts';
export { HTML_REPORT_FILE, renderHtml } from './report/html.ts';
export { formatNumber, formatRatio, formatTable } from './report/text-table.ts';
/** Machine snapshots: the versioned file format (JSON header + zlib memory) and native-mode save/restore/run. */
export { decodeSnapshot, encodeSnapshot, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, SnapshotError, type MachineSnapshot } from './snapshot/snapshot-file.ts';
export { restoreNativeMachine, resumeNative, runNativeToSnapshot, saveNativeMachine, type RestoredMachine, type SnapshotRun } from './snapshot/native-snapshot.ts';
/** The differential fuzzer across modes (`pnpm fuzz`, `x86virt fuzz`). */
export {
  buildFuzzImage, explain, generateProgram, KNOWN_DIVERGENCES, loadRegressions, minimise, runCase, runFuzz, saveRegression,
  type CaseReport, type Divergence, type FuzzFinding, type FuzzProgram, type FuzzRegression, type FuzzSummary, type KnownDivergence,
} from './fuzz/index.ts';
export { monitorCostValues, type MonitorCostOverrides, type MonitorKey } from './fit/monitor-costs.ts';
export { FIT_ITERATIONS, fitMonitorCosts, type MonitorFit } from './fit/monitor-fit.ts';
