/** The DigitalOcean App Platform client (no vscode): typed schemas, errors, HTTP resilience, logs and the done rule. */
export * from './schemas';
export * from './errors';
export * from './http';
export * from './budget';
export * from './clock';
export * from './client';
export * from './logs';
export * from './logFollow';
export * from './progress';
export { redact } from './redact';
