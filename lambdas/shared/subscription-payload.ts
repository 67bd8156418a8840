import { gunzipSync } from 'node:zlib';
import { z } from 'zod';

/**
 * Decodes a CloudWatch Logs subscription event (`{awslogs: {data}}`: base64 of
 * gzipped JSON) within fixed bounds, so a hostile payload costs little:
 * - the base64 text is at most 1.5 MiB (Lambda's async payload is 1 MiB; AWS batches are smaller);
 * - the gzip stream is inflated to at most 8 MiB and then stops (a gzip bomb
 *   is refused after 8 MiB of output, not after it has filled the memory);
 * - each event's message is cut to 8 KiB for matching (markers are short; a long
 *   line cannot make matching slow).
 */

export const MAX_DATA_CHARS = 1.5 * 1024 * 1024;
export const MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024;
export const MAX_LINE_CHARS = 8 * 1024;

const PayloadSchema = z.object({
  messageType: z.string(),
  logGroup: z.string().max(512),
  logStream: z.string().max(512),
  logEvents: z.array(z.object({ id: z.string(), timestamp: z.number(), message: z.string() })).max(20_000),
});

export type SubscriptionPayload = z.infer<typeof PayloadSchema>;

export type DecodedPayload =
  | { readonly ok: true; readonly payload: SubscriptionPayload; readonly truncated: number }
  | { readonly ok: false; readonly reason: string };

export function decodeSubscriptionEvent(event: unknown): DecodedPayload {
  const data = (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
  if (typeof data !== 'string')
    return { ok: false, reason: 'event has no awslogs.data string; is this a CloudWatch Logs subscription?' };
  if (data.length > MAX_DATA_CHARS)
    return { ok: false, reason: `awslogs.data is ${data.length} characters, over ${MAX_DATA_CHARS}` };
  let text: string;
  try {
    text = gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_DECOMPRESSED_BYTES }).toString(
      'utf8',
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE')
      return {
        ok: false,
        reason: `awslogs.data inflates to more than ${MAX_DECOMPRESSED_BYTES} bytes (a gzip bomb?)`,
      };
    return { ok: false, reason: `awslogs.data is not gzip: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `awslogs.data is not JSON: ${(error as Error).message}` };
  }
  const parsed = PayloadSchema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      reason: `awslogs.data is not a subscription payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  let truncated = 0;
  for (const e of parsed.data.logEvents) {
    if (e.message.length > MAX_LINE_CHARS) {
      e.message = e.message.slice(0, MAX_LINE_CHARS);
      truncated++;
    }
  }
  return { ok: true, payload: parsed.data, truncated };
}
