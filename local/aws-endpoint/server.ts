import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { AwsEndpointError } from './errors.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Handles one operation: the parsed JSON body in, a JSON-ready result out. */
export type Operation = (body: unknown, request: { payloadBytes: number }) => unknown;

/** One AWS JSON-protocol service, reached by its `X-Amz-Target` prefix. */
export interface JsonService {
  /** e.g. `Logs_20140328` (the part of X-Amz-Target before the dot). */
  targetPrefix: string;
  /** `1.0` or `1.1`. */
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, Operation>;
  /** For awsQueryCompatible services: the query error code for an error type (`x-amzn-query-error`). */
  queryErrorCode?: (type: string) => string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts one HTTP server on 127.0.0.1 and an ephemeral port that speaks the
 * AWS JSON protocols (POST / with `X-Amz-Target`), gunzips request bodies sent
 * with `Content-Encoding: gzip`, and answers errors as 400s with
 * `x-amzn-ErrorType` and `{__type, message}` so SDK clients raise their typed exceptions.
 */
export async function startJsonServer(services: JsonService[]): Promise<RunningServer> {
  const byPrefix = new Map(services.map((s) => [s.targetPrefix, s]));
  const server = createServer((req, res) => {
    handle(byPrefix, req, res).catch((error: unknown) => {
      console.error('local AWS endpoint failed to answer:', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; close them so the server (and the process) can stop.
        server.closeAllConnections();
      }),
  };
}

async function handle(
  services: Map<string, JsonService>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = req.headers['x-amz-target'];
  const [prefix = '', operationName = ''] = typeof target === 'string' ? target.split('.') : [];
  const service = services.get(prefix);
  const contentType = `application/x-amz-json-${service?.jsonVersion ?? '1.1'}`;
  try {
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      throw new AwsEndpointError(
        'UnknownOperationException',
        `${req.method} ${req.url} is not an AWS JSON-protocol request`,
        {
          statusCode: 404,
        },
      );
    }
    const operation = service?.operations[operationName];
    if (service === undefined || operation === undefined) {
      throw new AwsEndpointError(
        'UnknownOperationException',
        `X-Amz-Target ${String(target)} is not an operation of the local endpoint`,
      );
    }
    const text = await readBody(req);
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new AwsEndpointError(
          'SerializationException',
          `${target} body is not JSON: ${(error as Error).message}`,
        );
      }
    }
    const result = operation(body, { payloadBytes: Buffer.byteLength(text) });
    send(res, 200, { 'content-type': contentType }, result ?? {});
  } catch (error) {
    if (!(error instanceof AwsEndpointError)) throw error;
    const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-errortype': error.type };
    if (service?.queryErrorCode !== undefined) {
      const fault = error.statusCode >= 500 ? 'Receiver' : 'Sender';
      headers['x-amzn-query-error'] = `${service.queryErrorCode(error.type)};${fault}`;
    }
    send(res, error.statusCode, headers, { __type: error.type, message: error.message });
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AwsEndpointError('SerializationException', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  if (!encoding.split(',').some((e) => e.trim() === 'gzip')) return raw.toString('utf8');
  try {
    return gunzipSync(raw).toString('utf8');
  } catch (error) {
    throw new AwsEndpointError(
      'SerializationException',
      `gzip body cannot be decompressed: ${(error as Error).message}`,
    );
  }
}
