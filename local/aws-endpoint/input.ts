import { AwsEndpointError } from './errors.js';

/**
 * Reads fields of a JSON request body with the checks AWS does, throwing the
 * service's validation error (`errorType`) with the field's path in the message.
 */
export class Input {
  readonly #body: Record<string, unknown>;
  readonly #errorType: string;
  readonly #path: string;

  constructor(body: unknown, errorType: string, path = '') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AwsEndpointError(errorType, `${path || 'request body'} must be an object`);
    }
    this.#body = body as Record<string, unknown>;
    this.#errorType = errorType;
    this.#path = path;
  }

  /** Fails with this input's validation error type. */
  fail(message: string, type = this.#errorType): never {
    throw new AwsEndpointError(type, message);
  }

  where(key: string): string {
    return `${this.#path}${key}`;
  }

  /** The field as sent, for shapes this class does not read (timestamps). */
  raw(key: string): unknown {
    return this.#body[key];
  }

  has(key: string): boolean {
    return this.#body[key] !== undefined && this.#body[key] !== null;
  }

  string(key: string, missingType = this.#errorType): string {
    const value = this.optString(key);
    if (value === undefined) this.fail(`${this.where(key)} is required`, missingType);
    return value;
  }

  optString(key: string): string | undefined {
    const value = this.#body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(`${this.where(key)} must be a string, got ${typeof value}`);
    return value;
  }

  number(key: string, missingType = this.#errorType): number {
    const value = this.optNumber(key);
    if (value === undefined) this.fail(`${this.where(key)} is required`, missingType);
    return value;
  }

  /** A number; the SDK's JSON codec sends NaN and Infinity as strings, which are rejected. */
  optNumber(key: string): number | undefined {
    const value = this.#body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(`${this.where(key)} must be a finite number, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  optInteger(key: string, min: number, max: number): number | undefined {
    const value = this.optNumber(key);
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      this.fail(`${this.where(key)} must be an integer from ${min} to ${max}, got ${value}`);
    }
    return value;
  }

  optBoolean(key: string): boolean | undefined {
    const value = this.#body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') this.fail(`${this.where(key)} must be a boolean, got ${typeof value}`);
    return value;
  }

  optStrings(key: string): string[] | undefined {
    const value = this.#array(key);
    return value?.map((item, i) => {
      if (typeof item !== 'string')
        this.fail(`${this.where(key)}[${i}] must be a string, got ${typeof item}`);
      return item;
    });
  }

  optNumbers(key: string): number[] | undefined {
    const value = this.#array(key);
    return value?.map((item, i) => {
      if (typeof item !== 'number' || !Number.isFinite(item)) {
        this.fail(`${this.where(key)}[${i}] must be a finite number, got ${JSON.stringify(item)}`);
      }
      return item;
    });
  }

  /** An array of objects, each read by its own Input with an indexed path. */
  optObjects(key: string): Input[] | undefined {
    return this.#array(key)?.map((item, i) => new Input(item, this.#errorType, `${this.where(key)}[${i}].`));
  }

  objects(key: string, missingType = this.#errorType): Input[] {
    const value = this.optObjects(key);
    if (value === undefined) this.fail(`${this.where(key)} is required`, missingType);
    return value;
  }

  optObject(key: string): Input | undefined {
    const value = this.#body[key];
    if (value === undefined || value === null) return undefined;
    return new Input(value, this.#errorType, `${this.where(key)}.`);
  }

  #array(key: string): unknown[] | undefined {
    const value = this.#body[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) this.fail(`${this.where(key)} must be a list, got ${typeof value}`);
    return value;
  }
}
