import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StreamCredit, StreamMarker } from '../../core/stream-attribution.js';
import { dynamo } from './clients.js';
import { type StoredSession, viewSession } from './store.js';
import { batchPut, queryAll, unlessConditionFails } from './table-ops.js';

/**
 * The records of stream correlation (docs/internals.md, "Stream attribution"):
 * - `MARK#<stream>#<markerId>`: every marker of a stream-binding group, once
 *   (a redelivered event writes the same item);
 * - `ATTR#<stream>`: the latest attribution of the stream: how many markers it
 *   was computed from (`n`), a digest of each session's credit, the sessions it
 *   ever credited (`touched`), and whether its session writes completed;
 * - each session's `via.<stream>`: what that stream credits it, with the `n`
 *   it was computed from. Every write is conditional on `n` not going back,
 *   so concurrent collectors converge on the attribution of the most markers.
 */

const RETENTION_SECONDS = 90 * 24 * 3600;
const expiresAt = () => Math.floor(Date.now() / 1000) + RETENTION_SECONDS;
const runPk = (runId: string) => `RUN#${runId}`;

/** One string per (group, stream), free of the `#` separator. */
export const streamKey = (group: string, stream: string): string =>
  `${encodeURIComponent(group)}#${encodeURIComponent(stream)}`;

export interface StoredAttribution {
  readonly n: number;
  readonly digests: Readonly<Record<string, string>>;
  readonly touched: readonly string[];
  readonly applied: boolean;
}

/** A session's credit from one stream, as stored in `via`. */
export interface ViaCredit extends StreamCredit {
  readonly n: number;
}

export class StreamStore {
  constructor(private readonly table: string) {}

  /** Stores markers (BatchWriteItem, 25 at a time); writing one twice leaves one item. */
  async putMarkers(runId: string, stream: string, markers: readonly StreamMarker[]): Promise<void> {
    const items = markers.map((marker) => ({
      pk: runPk(runId),
      sk: `MARK#${stream}#${marker.id}`,
      marker,
      expiresAt: expiresAt(),
    }));
    await batchPut(this.table, items, 'marker(s)');
  }

  /** Every stored marker of the stream (a consistent read: it sees every write that finished before it). */
  async markers(runId: string, stream: string): Promise<StreamMarker[]> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': runPk(runId), ':sk': `MARK#${stream}#` },
      ProjectionExpression: 'marker',
      ConsistentRead: true,
    });
    return items.map((item) => item.marker as StreamMarker);
  }

  /**
   * Claims the stream's attribution for a computation over `n` markers.
   * Returns the attribution it replaced (or an empty one), or undefined when a
   * computation over more markers has already been claimed (nothing to do).
   */
  async claim(
    runId: string,
    stream: string,
    n: number,
    digests: Readonly<Record<string, string>>,
  ): Promise<StoredAttribution | undefined> {
    const sessions = Object.keys(digests);
    const out = await unlessConditionFails(
      dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: `ATTR#${stream}` },
          UpdateExpression: `SET n = :n, digests = :d, applied = :false, expiresAt = :exp${sessions.length > 0 ? ' ADD touched :t' : ''}`,
          ConditionExpression: 'attribute_not_exists(n) OR n <= :n',
          ExpressionAttributeValues: {
            ':n': n,
            ':d': digests,
            ':false': false,
            ':exp': expiresAt(),
            ...(sessions.length > 0 ? { ':t': new Set(sessions) } : {}),
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!out) return undefined;
    const old = out.Attributes;
    return {
      n: (old?.n as number | undefined) ?? 0,
      digests: (old?.digests as Record<string, string> | undefined) ?? {},
      touched: [...((old?.touched as Set<string> | undefined) ?? [])],
      applied: (old?.applied as boolean | undefined) ?? true,
    };
  }

  /** Marks the claim over `n` markers as fully written to its sessions. */
  async markApplied(runId: string, stream: string, n: number): Promise<void> {
    // A claim over more markers has replaced this one: it is that claim's to mark.
    await unlessConditionFails(
      dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: `ATTR#${stream}` },
          UpdateExpression: 'SET applied = :true',
          ConditionExpression: 'n = :n',
          ExpressionAttributeValues: { ':true': true, ':n': n },
        }),
      ),
    );
  }

  /**
   * Writes what the stream credits the session, unless a computation over
   * more markers already wrote it. Returns the session after the write.
   */
  async credit(
    runId: string,
    sessionId: string,
    stream: string,
    credit: ViaCredit,
  ): Promise<StoredSession | undefined> {
    const out = await unlessConditionFails(
      dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: `SESSION#${sessionId}` },
          UpdateExpression: 'SET via.#s = :c',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(via.#s) OR via.#s.n <= :n)',
          ExpressionAttributeNames: { '#s': stream },
          ExpressionAttributeValues: { ':c': credit, ':n': credit.n },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out?.Attributes ? viewSession(out.Attributes) : undefined;
  }
}
