import type { AslGraph } from '../../core/asl-walk.js';
import { predictHarnessCost, type WorkflowShape } from '../../core/harness-cost-model.js';
import type { Profile } from '../../core/profile.js';
import { predictionLines } from '../../core/render-cost-prediction.js';

let shape: WorkflowShape | undefined;

/**
 * The predicted harness cost of a valid profile, for `bench validate`: the
 * state machine's definition comes from the CDK construct (synthesized once
 * per process), so a change to the workflow changes the prediction.
 */
export async function costLines(profile: Profile): Promise<string[]> {
  if (!shape) {
    const { renderDefinition } = await import('../../local/render-definition.js');
    const rendered = renderDefinition();
    shape = {
      definition: rendered.deployed as unknown as AslGraph,
      handlerOf: rendered.handlerOf,
      memoryMiB: rendered.memoryMiB,
    };
  }
  return predictionLines(predictHarnessCost(profile, shape));
}
