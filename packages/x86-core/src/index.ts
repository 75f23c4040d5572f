/** @file Public API of @x86virt/x86-core (named exports only; see README.md). */
export {};
