import { describe, expect, it } from 'vitest';
import { handlerOfFunction, parseHandlerFunctions } from '../../lambdas/shared/harness-metrics.js';

describe('HANDLER_FUNCTIONS', () => {
  const text = JSON.stringify({
    trigger: { functionName: 'Bench-HandlersTrigger-AbC', memoryMiB: 256 },
    report: { memoryMiB: 1024 },
  });

  it("names each handler's function, the report by its own AWS_LAMBDA_FUNCTION_NAME", () => {
    expect(parseHandlerFunctions(text, 'Bench-HandlersReport-XyZ')).toEqual({
      names: { trigger: 'Bench-HandlersTrigger-AbC', report: 'Bench-HandlersReport-XyZ' },
      memoryMiB: { trigger: 256, report: 1024 },
    });
  });

  it("maps the definition's FunctionName (an ARN, or a plain name) to the handler", () => {
    const handlerOf = handlerOfFunction(parseHandlerFunctions(text, 'Bench-HandlersReport-XyZ'));
    expect(handlerOf('arn:aws:lambda:us-east-1:123456789012:function:Bench-HandlersTrigger-AbC')).toBe(
      'trigger',
    );
    expect(handlerOf('arn:aws:lambda:us-east-1:123456789012:function:Bench-HandlersReport-XyZ:live')).toBe(
      'report',
    );
    expect(handlerOf('Bench-HandlersTrigger-AbC')).toBe('trigger');
    expect(handlerOf('arn:aws:lambda:us-east-1:123456789012:function:Other')).toBeUndefined();
  });

  it('names the field that is wrong', () => {
    expect(() => parseHandlerFunctions('{', undefined)).toThrow(/^HANDLER_FUNCTIONS is not JSON/);
    expect(() => parseHandlerFunctions(JSON.stringify({ trigger: { memoryMiB: -1 } }), 'x')).toThrow(
      /^HANDLER_FUNCTIONS\.trigger\.memoryMiB: /,
    );
    expect(() => parseHandlerFunctions(JSON.stringify({ report: { memoryMiB: 1024 } }), undefined)).toThrow(
      'HANDLER_FUNCTIONS.report.functionName is missing',
    );
  });
});
