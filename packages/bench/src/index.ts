/** @file Public API of @x86virt/bench: the paper's experiments, the built-in guests and the reports. */
export { MODES, PAPER_FORKWAIT, PAPER_NANO, type Mode, type PaperNano } from './paper.ts';
export { guestImagePath, GUESTS_DIR } from './guests.ts';
