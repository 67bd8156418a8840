import { HANDLER_MEMORY_MIB, HANDLER_NAMES } from '../../lib/handlers-construct.js';
import { LOCAL_FUNCTION_PREFIX } from '../render-definition.js';

/**
 * HANDLER_FUNCTIONS as local mode sets it for the report (lib/handlers-construct.ts
 * sets it on AWS): each handler named as the rendered definition's Lambda
 * tasks name it (`local:<handler>`), with the stack's memory sizes.
 */
export function localHandlerFunctions(): string {
  return JSON.stringify(
    Object.fromEntries(
      HANDLER_NAMES.map((name) => [
        name,
        { functionName: `${LOCAL_FUNCTION_PREFIX}${name}`, memoryMiB: HANDLER_MEMORY_MIB[name] },
      ]),
    ),
  );
}
