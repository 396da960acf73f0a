/** Smoke tests of deployed skills against the skill contract (no vscode). */
export * from './codes';
export * from './metadata';
export * from './outcomes';
export * from './runSmokeSuite';
