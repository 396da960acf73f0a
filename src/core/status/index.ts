/** The status file of a skills repository (no vscode): schema, atomic writes, cross-process locks, the export. */
export * from './errors';
export * from './atomicFile';
export * from './lockFile';
export * from './schema';
export * from './statusStore';
export * from './exportStatus';
