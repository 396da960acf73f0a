export * from './cliCommand';
export * from './discovery';
export * from './endpoint';
export * from './stop';
export * from './liveApps';
