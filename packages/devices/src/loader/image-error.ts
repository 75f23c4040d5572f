/** @file ImageError: a kernel image that cannot be loaded, with a one-line message naming the problem. */

/** What is wrong with an image (stable codes for callers and tests). */
export const IMAGE_PROBLEM = {
  NOT_ELF: 'not-elf',
  WRONG_CLASS: 'wrong-class',
  WRONG_ENDIAN: 'wrong-endian',
  WRONG_MACHINE: 'wrong-machine',
  WRONG_TYPE: 'wrong-type',
  TRUNCATED: 'truncated',
  BAD_SEGMENT: 'bad-segment',
  NO_SEGMENTS: 'no-segments',
  OUTSIDE_RAM: 'outside-ram',
  NO_MULTIBOOT: 'no-multiboot-header',
  BAD_CHECKSUM: 'bad-checksum',
  UNSUPPORTED_FLAGS: 'unsupported-flags',
  BAD_AOUT: 'bad-aout-kludge',
  NO_ROOM: 'no-room',
  IN_HOLE: 'in-legacy-hole',
  CMDLINE_TOO_LONG: 'cmdline-too-long',
  NOT_BZIMAGE: 'not-bzimage',
  OLD_PROTOCOL: 'old-boot-protocol',
} as const;

/** One of `IMAGE_PROBLEM`'s values. */
export type ImageProblem = (typeof IMAGE_PROBLEM)[keyof typeof IMAGE_PROBLEM];

/**
 * A kernel image the loaders refuse. `message` is one line ("<what>: <detail>") meant for the
 * user as is; `problem` says which check failed.
 */
export class ImageError extends Error {
  /** Which check failed. */
  readonly problem: ImageProblem;

  constructor(problem: ImageProblem, message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'ImageError';
    this.problem = problem;
  }
}

/** `n` as 0x-prefixed hex. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
