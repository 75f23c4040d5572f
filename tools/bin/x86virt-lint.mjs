#!/usr/bin/env node
/** @file The x86virt-lint command: checks the package in the current directory against the import rules and conventions. */
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/lint-cli.ts', import.meta.url);
process.exitCode = main(process.cwd());
