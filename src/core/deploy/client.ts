/** The client a plan runs on: one AppPlatformClient whose one RequestBudget every request of every skill shares. */
import { AppPlatformClient, type AppPlatformClientOptions } from '../do/client';
import { RequestBudget } from '../do/budget';
import { MeteredBudget } from './meter';

export interface DeployClientOptions extends Omit<AppPlatformClientOptions, 'budget'> {
  /** Share an existing budget (e.g. across a plan and resumeInFlight); default: a new one, 250 requests per 60 s. */
  budget?: RequestBudget;
  /** For a new budget. */
  limitPerMinute?: number;
}

export function createDeployClient(options: DeployClientOptions = {}): { client: AppPlatformClient; budget: RequestBudget } {
  const budget = options.budget ?? new MeteredBudget({ limit: options.limitPerMinute ?? 250, windowMs: 60_000, clock: options.clock });
  const client = new AppPlatformClient({ ...options, budget });
  return { client, budget };
}
