/** @file The CLI's user-facing errors: one line on stderr and a non-zero exit, never a stack trace. */

/** A mistake in how the command was called (bad flag, bad value): exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit statuses of the x86virt command for its own failures (a guest's exit code is passed through). */
export const EXIT = { usage: 2, failure: 1 } as const;
