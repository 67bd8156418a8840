import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export type State = Record<string, unknown> & { Type: string };
export type Graph = { StartAt: string; States: Record<string, State> };

/** The definition string with `Fn::GetAtt` as the logical id and `AWS::Partition` as `aws`. */
function flatten(node: unknown): string {
  if (typeof node === 'string') return node;
  const fn = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
  if (fn['Fn::Join']) return fn['Fn::Join'][1].map(flatten).join(fn['Fn::Join'][0]);
  if (fn['Fn::GetAtt']) return fn['Fn::GetAtt'][0];
  return fn.Ref === 'AWS::Partition' ? 'aws' : `<${fn.Ref}>`;
}

function allStates(graph: Graph, into = new Map<string, State>()): Map<string, State> {
  for (const [name, state] of Object.entries(graph.States)) {
    into.set(name, state);
    for (const branch of (state.Branches as Graph[] | undefined) ?? []) allStates(branch, into);
    if (state.ItemProcessor) allStates(state.ItemProcessor as Graph, into);
  }
  return into;
}

/** The stack's state machine definition, and a lookup of every state by name (inside branches and maps too). */
export function workflowDefinition(stack: Stack) {
  const template = Template.fromStack(stack);
  // The benchmark's own state machine (the stack also has the stopped-run restore).
  const [machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([id]) => id.startsWith('WorkflowStateMachine'))
    .map(([, resource]) => resource);
  const definition = JSON.parse(flatten(machine?.Properties.DefinitionString)) as Graph;
  const states = allStates(definition);
  const state = (name: string): State => {
    const found = states.get(name);
    if (!found) throw new Error(`no state named "${name}"`);
    return found;
  };
  return { template, definition, state };
}
