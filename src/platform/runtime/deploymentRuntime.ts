import type { ComponentKind, ComponentSpec } from '../spec/appSpec';
import type { ExitInfo, ManagedProcess } from './processes';
import type { SimulatedComponent } from './simulated';

/** A running component: a process group (or a simulated server) on a port of 127.0.0.1. */
export interface ComponentInstance {
  /** The component's name (every replica of a component has it). */
  readonly name: string;
  /** 0 … instance_count - 1. */
  readonly replica: number;
  readonly kind: ComponentKind;
  readonly spec: ComponentSpec;
  port: number;
  proc?: ManagedProcess;
  sim?: SimulatedComponent;
  unhealthy: boolean;
  stopping: boolean;
  /** A rolling restart runs a replacement: the exit of either process is not a crash to restart. */
  replacing?: boolean;
  /** While a rolling restart runs: the process being replaced, listed (and serving) until it stops. */
  previous?: ManagedProcess;
  restarts: number;
  /** The last lines it printed: what RUN_RESTARTED shows after a crash. */
  recent: string[];
}

/** What a deployment holds while it builds, runs or drains. Not persisted. */
export class DeploymentRuntime {
  readonly abort = new AbortController();
  abortReason: 'canceled' | 'deleted' | 'shutdown' | undefined;
  /** Keyed by `instanceKey`: the component's name for replica 0, `<name>#<n>` for the others. */
  readonly instances = new Map<string, ComponentInstance>();
  readonly helpers = new Set<ManagedProcess>();
  done: Promise<void> = Promise.resolve();
  /** No longer serving (superseded, failed, deleted): crashes are not restarted. */
  retired = false;

  constructor(readonly deploymentId: string, readonly appId: string, readonly buildDir: string) {}
}

/** A simulated component runs while its deployment does; a process until it exits. */
export function isRunning(inst: ComponentInstance): boolean {
  return !!inst.sim || (!!inst.proc && inst.proc.exitInfo === undefined);
}

export function instanceKey(component: string, replica: number): string {
  return replica === 0 ? component : `${component}#${replica}`;
}

/** The replicas of a component, in order. */
export function replicasOf(rt: DeploymentRuntime, component: string): ComponentInstance[] {
  return [...rt.instances.values()].filter((i) => i.name === component).sort((a, b) => a.replica - b.replica);
}

/** The names of the components that run, in the order they were started. */
export function componentNames(rt: DeploymentRuntime): string[] {
  return [...new Set([...rt.instances.values()].map((i) => i.name))];
}

/** Service name → its replicas' ports: where the ingress sends a deployment's traffic (workers take none). */
export function servicePorts(rt: DeploymentRuntime): Map<string, number[]> {
  const ports = new Map<string, number[]>();
  for (const inst of rt.instances.values()) {
    if (inst.kind === 'service') ports.set(inst.name, [...(ports.get(inst.name) ?? []), inst.port]);
  }
  return ports;
}

export function describeExit(info: ExitInfo | undefined): string {
  if (!info) return 'still running';
  return info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
}
