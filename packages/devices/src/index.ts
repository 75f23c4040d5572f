/** @file Public API of @x86virt/devices (named exports only; see README.md). */
export {};
