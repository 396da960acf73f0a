// No `vscode` import: unit tests read these texts without an extension host.
import { formatAgoIso } from '../../../core/util/timeText';

/** Deployment ids are UUIDs; people read their first 8 characters (as `odoobo rollback --to` accepts them). */
export const SHORT_ID_LENGTH = 8;
const UUID = /\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

/** `rollback to deployment 1b2c…full uuid` → `rollback to deployment 1b2c3d4e`. */
export function shortenIds(text: string): string {
  return text.replace(UUID, '$1');
}

export interface DeploymentFacts {
  readonly id: string;
  readonly cause?: string;
  readonly phase?: string;
  readonly createdAt?: string;
  readonly commit?: string;
}

/** `deployment 1b2c3d4e (manual · superseded · 5 min ago), commit 0123456789ab`: what tells two deployments apart. */
export function describeDeployment(d: DeploymentFacts, now = Date.now()): string {
  const phase = d.phase?.toLowerCase().replace(/_/g, ' ');
  const facts = [d.cause ? shortenIds(d.cause) : undefined, phase, d.createdAt ? formatAgoIso(d.createdAt, now) : undefined];
  const inParens = facts.filter(Boolean).join(' · ');
  const commit = d.commit ? `, commit ${d.commit.slice(0, 12)}` : ', commit unknown';
  return `deployment ${shortId(d.id)}${inParens ? ` (${inParens})` : ''}${commit}`;
}
