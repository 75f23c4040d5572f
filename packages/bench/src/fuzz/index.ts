/** @file The differential fuzzer: random guests run in every mode and compared (generator, runner, comparer, minimiser, regressions). */
export { buildFuzzImage, FUZZ_EXIT_FATAL } from './harness.ts';
export { explain, KNOWN_DIVERGENCES, type KnownDivergence } from './known-divergences.ts';
export { FUZZ_LAYOUT } from './layout.ts';
export { keepItems, minimise, sameDivergence, type Minimised, type MinimiseOptions } from './minimise.ts';
export { generateProgram, type FuzzItem, type FuzzPhase, type FuzzProgram, type GenerateOptions } from './program.ts';
export { eligibleRowCount, type FuzzRing } from './random-insn.ts';
export { loadRegressions, saveRegression, type FuzzRegression } from './regression.ts';
export { serialSignature, stateSignature } from './signature.ts';
export { compareOutcomes, FUZZ_MAX_INSNS, runCase, runMode, type CaseResult, type Divergence, type ModeOutcome } from './run-case.ts';
export { runFuzz, type CaseReport, type FuzzFinding, type FuzzOptions, type FuzzSummary } from './fuzz-loop.ts';
