/** @file The body of the x86virt-lint command: check one package and print what is wrong. */
import { checkPackage, readPackage } from './workspace.ts';

/** Checks the package in `dir`, prints one line per violation, and returns the exit code. */
export function main(dir: string): number {
  const pkg = readPackage(dir);
  const violations = checkPackage(pkg);
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.rule}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`x86virt-lint: @x86virt/${pkg.name}: ${violations.length} problem(s)`);
    return 1;
  }
  console.log(`x86virt-lint: @x86virt/${pkg.name}: ok`);
  return 0;
}
