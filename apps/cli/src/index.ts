/** @file Public API of @x86virt/cli, for tests and embedding: the command tree and its entry point. */
export { buildProgram, main, parseUint } from './main.ts';
export { EXIT, UsageError } from './errors.ts';
