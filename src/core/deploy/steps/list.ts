/** The step list: steps chained by the typed value each one hands to the next. */
import { Ending } from '../outcomes';
import type { DeployRun } from '../run';
import type { DeployStepName } from '../stepNames';

/**
 * One step of the procedure: takes what the step before produced and hands on its own output, or ends the run (its
 * failure, as outcomes.ts decides). A step times itself with `run.step`, so it may also skip itself (post-deploy).
 */
export interface Step<In, Out> {
  readonly name: DeployStepName;
  run(run: DeployRun, input: In): Promise<Out | Ending>;
}

/** Steps in order, each taking the previous one's output: `then` refuses (at compile time) a step that does not fit. */
export class StepList<In, Out> {
  // The chain's types are checked by `then`; inside, values are passed on as they come.
  private constructor(private readonly list: ReadonlyArray<Step<unknown, unknown>>) {}

  static start<T>(): StepList<T, T> {
    return new StepList<T, T>([]);
  }

  then<Next>(step: Step<Out, Next>): StepList<In, Next> {
    return new StepList<In, Next>([...this.list, step]);
  }

  /** This list followed by `rest` (which starts where this one ends). */
  concat<Next>(rest: StepList<Out, Next>): StepList<In, Next> {
    return new StepList<In, Next>([...this.list, ...rest.list]);
  }

  get names(): DeployStepName[] {
    return this.list.map((s) => s.name);
  }

  /** Runs the steps in order; stops at the first that ends the run. */
  async run(run: DeployRun, input: In): Promise<Out | Ending> {
    let value: unknown = input;
    for (const step of this.list) {
      value = await step.run(run, value);
      if (value instanceof Ending) return value;
    }
    return value as Out;
  }
}
