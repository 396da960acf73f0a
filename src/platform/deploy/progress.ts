import { now } from '../util/abort';
import type { Component } from '../spec/appSpec';
import type { Step, StepReason, StepStatus } from '../state/model';

/** Counters of a step tree. Only leaves count, so `pending + running + success + error + skipped == total`. */
export interface ProgressCounters {
  pending_steps: number;
  running_steps: number;
  success_steps: number;
  error_steps: number;
  skipped_steps: number;
  total_steps: number;
}

const kindWord = (c: Component): string => (c.kind === 'service' ? 'service' : 'worker');

/** The step tree of a deployment, shaped like DigitalOcean's: build → components; deploy → components → deploy/wait. */
export function initialSteps(components: readonly Component[]): Step[] {
  return [
    {
      name: 'build',
      status: 'PENDING',
      steps: [
        { name: 'initialize', status: 'PENDING' },
        {
          name: 'components',
          status: 'PENDING',
          steps: components.map((c) => ({
            name: c.spec.name,
            status: 'PENDING',
            component_name: c.spec.name,
            message_base: `Building ${kindWord(c)}`,
          })),
        },
      ],
    },
    {
      name: 'deploy',
      status: 'PENDING',
      steps: [
        { name: 'initialize', status: 'PENDING' },
        {
          name: 'components',
          status: 'PENDING',
          steps: components.map((c) => ({
            name: c.spec.name,
            status: 'PENDING',
            component_name: c.spec.name,
            steps: [
              { name: 'deploy', status: 'PENDING', component_name: c.spec.name, message_base: `Deploying ${kindWord(c)}` },
              { name: 'wait', status: 'PENDING', component_name: c.spec.name, message_base: `Waiting for ${kindWord(c)}` },
            ],
          })),
        },
        { name: 'finalize', status: 'PENDING' },
      ],
    },
  ];
}

/** A leaf's address: names from the root, e.g. `['deploy', 'components', 'web', 'wait']`. */
export type StepPath = readonly string[];

export function findStep(steps: readonly Step[], path: StepPath): Step | undefined {
  let level: readonly Step[] | undefined = steps;
  let found: Step | undefined;
  for (const name of path) {
    found = level?.find((s) => s.name === name);
    if (!found) return undefined;
    level = found.steps;
  }
  return found;
}

function leaves(steps: readonly Step[], out: Step[] = []): Step[] {
  for (const s of steps) {
    if (s.steps && s.steps.length > 0) leaves(s.steps, out);
    else out.push(s);
  }
  return out;
}

export function countSteps(steps: readonly Step[]): ProgressCounters {
  const c: ProgressCounters = { pending_steps: 0, running_steps: 0, success_steps: 0, error_steps: 0, skipped_steps: 0, total_steps: 0 };
  for (const leaf of leaves(steps)) {
    c.total_steps++;
    if (leaf.status === 'PENDING') c.pending_steps++;
    else if (leaf.status === 'RUNNING') c.running_steps++;
    else if (leaf.status === 'SUCCESS') c.success_steps++;
    else if (leaf.status === 'ERROR') c.error_steps++;
    else c.skipped_steps++;
  }
  return c;
}

export function startStep(steps: Step[], path: StepPath): void {
  const s = mustFind(steps, path);
  s.status = 'RUNNING';
  s.started_at = now();
  derive(steps, true);
}

export function finishStep(steps: Step[], path: StepPath, reason?: StepReason): void {
  const s = mustFind(steps, path);
  const t = now();
  s.started_at ??= t;
  s.ended_at = t;
  s.status = reason ? 'ERROR' : 'SUCCESS';
  if (reason) s.reason = reason;
  derive(steps, true);
}

/**
 * Ends a deployment that stops early: running leaves become ERROR with `reason`, pending leaves SKIPPED.
 * When nothing was running, the first pending leaf carries the error so that `error_steps > 0`.
 */
export function abandonSteps(steps: Step[], reason: StepReason): void {
  const all = leaves(steps);
  const t = now();
  let marked = false;
  for (const leaf of all) {
    if (leaf.status === 'RUNNING') {
      leaf.status = 'ERROR';
      leaf.reason = reason;
      leaf.ended_at = t;
      marked = true;
    }
  }
  if (!marked && !all.some((l) => l.status === 'ERROR')) {
    const first = all.find((l) => l.status === 'PENDING');
    if (first) {
      first.status = 'ERROR';
      first.reason = reason;
      first.started_at = t;
      first.ended_at = t;
    }
  }
  for (const leaf of all) if (leaf.status === 'PENDING') leaf.status = 'SKIPPED';
  derive(steps, true);
}

/** Recomputes parents from their children: ERROR beats RUNNING beats a mix, all SUCCESS is SUCCESS. */
function derive(steps: Step[], topLevel: boolean): void {
  for (const s of steps) {
    if (!s.steps || s.steps.length === 0) continue;
    derive(s.steps, false);
    const kids = s.steps.map((k) => k.status);
    let status: StepStatus;
    if (kids.includes('ERROR')) status = 'ERROR';
    else if (kids.every((k) => k === 'SUCCESS')) status = 'SUCCESS';
    else if (kids.every((k) => k === 'SKIPPED')) status = topLevel ? 'PENDING' : 'SKIPPED';
    else if (kids.every((k) => k === 'PENDING' || k === 'SKIPPED')) status = 'PENDING';
    else status = 'RUNNING';
    s.status = status;
    const starts = s.steps.map((k) => k.started_at).filter((v): v is string => !!v).sort();
    if (starts.length > 0) s.started_at = starts[0];
    if (status === 'SUCCESS' || status === 'ERROR') {
      const ends = s.steps.map((k) => k.ended_at).filter((v): v is string => !!v).sort();
      if (ends.length > 0) s.ended_at = ends[ends.length - 1];
      const failed = s.steps.find((k) => k.status === 'ERROR' && k.reason);
      if (failed?.reason) s.reason = failed.reason;
    }
  }
}

function mustFind(steps: Step[], path: StepPath): Step {
  const s = findStep(steps, path);
  if (!s) throw new Error(`no progress step ${path.join('/')}`);
  return s;
}
