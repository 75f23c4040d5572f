/** @file Public API of @x86virt/tools: the repository's import-rule and convention checker. */
export { ALLOWED_IMPORTS, NODE_PACKAGES, NODE_FOLDERS, PACKAGES, SCOPE, type PackageName } from './rules.ts';
export { checkFileImports, checkManifest, findImports, type ImportSite, type Violation } from './check-imports.ts';
export { checkConventions } from './check-conventions.ts';
export { checkPackage, readPackage, sourceFiles, workspacePackageDirs, type WorkspacePackage } from './workspace.ts';
export { main as lintMain } from './lint-cli.ts';
