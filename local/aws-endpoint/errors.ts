/**
 * The one error class of the local AWS endpoint. `type` is the AWS error code
 * the SDK maps to its typed exception (`ResourceNotFoundException`,
 * `InvalidToken`, ...); the server turns it into a 400 with `x-amzn-ErrorType`.
 */
export class AwsEndpointError extends Error {
  override readonly name = 'AwsEndpointError';
  readonly type: string;
  readonly statusCode: number;

  constructor(type: string, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.statusCode = options.statusCode ?? 400;
  }
}

/** Shorthand for the common client error that names the offending field. */
export const invalid = (type: string, message: string): AwsEndpointError =>
  new AwsEndpointError(type, message);
