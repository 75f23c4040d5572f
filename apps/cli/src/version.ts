/** @file The CLI's version, read from its package.json at build time. */
import pkg from '../package.json' with { type: 'json' };

/** The version of @x86virt/cli. */
export const VERSION: string = pkg.version;
