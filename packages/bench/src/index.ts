/** @file Public API of @x86virt/bench: the paper's experiments, the built-in guests and the reports. */
export { MODES, PAPER_FORKWAIT, PAPER_NANO, type Mode, type PaperNano } from './paper.ts';
export { guestImagePath, GUESTS_DIR } from './guests.ts';
/** Running one guest in one mode: the result record, options, and the mode dispatcher. */
export { DEFAULT_MAX_INSNS, type GuestRun, type GuestRunOptions, type GuestStop } from './machine/guest-run.ts';
export { availableModes, ModeUnavailableError, runGuest } from './machine/run-guest.ts';
/** Native mode: the board + processor machine and its run loop. */
export { createNativeMachine, flattenCounters, retired, runNative, type NativeMachine } from './machine/native.ts';
