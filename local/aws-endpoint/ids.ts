import { AwsEndpointError } from './errors.js';

/** The account and Region every local resource lives in. */
export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';

/** Builds an ARN in the local account and Region. */
export const arn = (service: string, resource: string): string =>
  `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${resource}`;

/** An opaque pagination token for a JSON-serializable cursor. */
export const encodeToken = (cursor: unknown): string =>
  Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** Decodes a token made by `encodeToken`; undefined when it is not one. */
export const decodeToken = (token: string): unknown => {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};

/**
 * Offset pagination with an opaque token, for list and describe calls.
 * A token this endpoint did not issue fails with `errorType`, naming `tokenField`.
 */
export function paginate<T>(
  items: T[],
  token: string | undefined,
  limit: number,
  errorType: string,
  tokenField = 'nextToken',
): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (token !== undefined) {
    const decoded = decodeToken(token) as { o?: unknown } | undefined;
    if (typeof decoded?.o !== 'number') {
      throw new AwsEndpointError(
        errorType,
        `${tokenField} ${JSON.stringify(token.slice(0, 40))} is not a token this endpoint returned`,
      );
    }
    offset = decoded.o;
  }
  const page = items.slice(offset, offset + limit);
  return offset + limit < items.length ? { page, nextToken: encodeToken({ o: offset + limit }) } : { page };
}
