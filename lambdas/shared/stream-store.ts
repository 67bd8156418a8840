import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StreamCredit, StreamMarker } from '../../core/stream-attribution.js';
import { dynamo } from './clients.js';
import { type StoredSession, viewSession } from './store.js';
import { batchGet, queryAll, unlessConditionFails } from './table-ops.js';

/**
 * The records of stream correlation (docs/internals.md, "Stream attribution"):
 * - `STREAM#<stream>#<segment>`: the stream's markers, one attribute each
 *   (`m:<markerId>`, a JSON text, so a redelivered event sets the same
 *   attribute), with `cnt` (markers added, counting repeats: the segment's
 *   version) and `bytes` (their size). A batch is added with one UpdateItem
 *   conditional on the version this instance knows, so the markers before
 *   the write, and after it, are known exactly. A segment that would pass
 *   {@link SEGMENT_BYTES} is sealed (never written again) and the stream
 *   goes on in the next one.
 * - each session's `via.<stream>`: what that stream credits it, with the `n`
 *   it was computed from (the stream's `cnt` summed over its segments). Every
 *   write is conditional on `n` going up, so concurrent collectors converge
 *   on the attribution of the most markers.
 */

const RETENTION_SECONDS = 90 * 24 * 3600;
const expiresAt = () => Math.floor(Date.now() / 1000) + RETENTION_SECONDS;
const runPk = (runId: string) => `RUN#${runId}`;
const segmentSk = (stream: string, segment: number) => `STREAM#${stream}#${String(segment).padStart(4, '0')}`;
const MARKER_PREFIX = 'm:';

/**
 * A segment's markers: DynamoDB bills a write by the item's size (1 write
 * unit per KB), so a stream's item stays small and the stream goes on in
 * more of them (about 50 markers each, some 6 WebOrdinary jobs).
 */
export const SEGMENT_BYTES = 8_000;
/** Segment numbers have 4 digits. */
const MAX_SEGMENTS = 9_999;
/** Markers per UpdateItem: keeps the expression and the request small. */
export const MARKERS_PER_WRITE = 100;

/** One string per (group, stream), free of the `#` separator. */
export const streamKey = (group: string, stream: string): string =>
  `${encodeURIComponent(group)}#${encodeURIComponent(stream)}`;

/** A session's credit from one stream, as stored in `via`. */
export interface ViaCredit extends StreamCredit {
  readonly n: number;
}

/** The stream around one write of markers. */
export interface StreamWrite {
  /** Every marker of the stream once the write is done (sealed segments and the written one). */
  readonly markers: readonly StreamMarker[];
  /** The version of that set: it grows with every write, so two writes never share one. */
  readonly n: number;
  /** Markers of the write that the stream held already (a redelivery). */
  readonly repeated: readonly StreamMarker[];
}

/** A segment as this instance last read or wrote it (this instance's own copy: its writes update it in place). */
interface Segment {
  readonly markers: StreamMarker[];
  readonly ids: Set<string>;
  /** Markers added, counting repeats: the segment's version. */
  cnt: number;
  /** The markers' size as counted (an upper bound). */
  bytes: number;
  readonly sealed: boolean;
}

/** A stream as known to this instance: sealed segments, then the one being written. */
interface KnownStream {
  readonly sealed: Segment[];
  current: Segment;
}

const emptySegment = (): Segment => ({ markers: [], ids: new Set(), cnt: 0, bytes: 0, sealed: false });

/** A marker's size in the item, bounded from above. */
const markerBytes = (marker: StreamMarker) =>
  MARKER_PREFIX.length + Buffer.byteLength(marker.id) + Buffer.byteLength(JSON.stringify(marker));

function segmentOf(item: Record<string, unknown> | undefined): Segment {
  if (!item) return emptySegment();
  const markers = Object.entries(item)
    .filter(([name]) => name.startsWith(MARKER_PREFIX))
    .map(([, marker]) => JSON.parse(marker as string) as StreamMarker);
  return {
    markers,
    ids: new Set(markers.map((m) => m.id)),
    cnt: (item.cnt as number | undefined) ?? 0,
    bytes: (item.bytes as number | undefined) ?? 0,
    sealed: item.sealed === true,
  };
}

export class StreamStore {
  /**
   * What this instance knows of each stream, per run. Every write is
   * conditional on the segment's version being the one known here, so what
   * is known is checked on every use and read again when another instance
   * wrote in between: it cannot go stale.
   */
  private readonly known = new Map<string, KnownStream>();

  /** `segmentBytes` below {@link SEGMENT_BYTES} only to exercise sealing in tests. */
  constructor(
    private readonly table: string,
    private readonly segmentBytes = SEGMENT_BYTES,
  ) {}

  /**
   * Adds up to {@link MARKERS_PER_WRITE} markers to the stream: one UpdateItem
   * when this instance wrote the stream last; when another did, one
   * consistent GetItem of the segment and the write again.
   */
  async add(runId: string, stream: string, markers: readonly StreamMarker[]): Promise<StreamWrite> {
    // One attribute per marker id: a batch may carry an event twice.
    const batch = [...new Map(markers.map((m) => [m.id, m])).values()];
    if (batch.length === 0 || batch.length > MARKERS_PER_WRITE)
      throw new Error(`StreamStore.add takes 1 to ${MARKERS_PER_WRITE} markers, got ${batch.length}`);
    const knownKey = `${runId}\n${stream}`;
    const known = this.known.get(knownKey) ?? { sealed: [], current: emptySegment() };
    this.known.set(knownKey, known);
    const bytes = batch.reduce((sum, m) => sum + markerBytes(m), 0);
    const names: Record<string, string> = { '#bytes': 'bytes' };
    const values: Record<string, unknown> = {};
    const sets = batch.map((marker, i) => {
      names[`#m${i}`] = `${MARKER_PREFIX}${marker.id}`;
      values[`:m${i}`] = JSON.stringify(marker);
      return `#m${i} = :m${i}`;
    });
    for (let attempt = 0; ; attempt++) {
      if (attempt > 20) throw new Error(`stream ${stream}: 20 writes lost to other instances in a row`);
      if (known.sealed.length >= MAX_SEGMENTS)
        throw new Error(`stream ${stream} holds ${MAX_SEGMENTS} full segments of markers: no room for more`);
      const Key = { pk: runPk(runId), sk: segmentSk(stream, known.sealed.length) };
      const version = known.current.cnt;
      if (version > 0 && known.current.bytes > this.segmentBytes - bytes) {
        // Full for this batch as this instance knows it: seal it at that version and move on
        // without a write bound to fail. A refused seal means another instance wrote: read again.
        if (await this.seal(Key, version)) {
          known.sealed.push({ ...known.current, sealed: true });
          known.current = emptySegment();
        } else await this.refresh(known, runId, stream);
        continue;
      }
      // The first write creates the segment (with its expiry); a later one holds only at the version
      // known here, while not sealed, and with room. No parentheses or OR: the condition stays cheap
      // to parse (dynalite's parser takes about 6 times as long with them).
      const first = version === 0;
      const written = await unlessConditionFails(
        dynamo().send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: `SET ${sets.join(', ')}${first ? ', expiresAt = :exp' : ''} ADD cnt :k, #bytes :b`,
            ConditionExpression: first
              ? 'attribute_not_exists(cnt)'
              : 'cnt = :cnt AND attribute_not_exists(sealed) AND #bytes <= :room',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ...values,
              ':k': batch.length,
              ':b': bytes,
              ...(first ? { ':exp': expiresAt() } : { ':cnt': version, ':room': this.segmentBytes - bytes }),
            },
          }),
        ),
      );
      if (written) {
        const current = known.current;
        const repeated = batch.filter(
          (m) => current.ids.has(m.id) || known.sealed.some((s) => s.ids.has(m.id)),
        );
        for (const marker of batch) {
          if (current.ids.has(marker.id)) continue;
          current.ids.add(marker.id);
          current.markers.push(marker);
        }
        current.cnt += batch.length;
        current.bytes += bytes;
        const n = known.sealed.reduce((sum, segment) => sum + segment.cnt, 0) + current.cnt;
        const markers = known.sealed.flatMap((segment) => segment.markers);
        for (const marker of current.markers) markers.push(marker);
        return { markers, n, repeated };
      }
      // Another instance wrote first, or the segment is full or sealed: read the stream as it is now
      // (the next turn seals it if it is full).
      await this.refresh(known, runId, stream);
    }
  }

  /**
   * Reads the stream's segments from the first one not known sealed (one
   * consistent Query): sealed ones are kept for good, the last one is current.
   */
  private async refresh(known: KnownStream, runId: string, stream: string): Promise<void> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': runPk(runId),
        ':from': segmentSk(stream, known.sealed.length),
        ':to': segmentSk(stream, MAX_SEGMENTS),
      },
      ConsistentRead: true,
    });
    known.current = emptySegment();
    for (const item of items) {
      const segment = segmentOf(item);
      if (segment.sealed) known.sealed.push(segment);
      else known.current = segment;
    }
  }

  /**
   * Seals a full segment: no write goes to it any more (the next read moves
   * on). Only if the segment is still at `version`, so that what this
   * instance knows of it is what was sealed. False when refused.
   */
  private async seal(Key: Record<string, string>, version: number): Promise<boolean> {
    const written = await unlessConditionFails(
      dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: 'SET sealed = :true',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sealed) AND cnt = :cnt',
          ExpressionAttributeValues: { ':true': true, ':cnt': version },
        }),
      ),
    );
    return written !== undefined;
  }

  /** What the stream credits each of the sessions as stored now (consistent reads, BatchGetItem). */
  async storedCredits(
    runId: string,
    sessionIds: readonly string[],
    stream: string,
  ): Promise<Map<string, ViaCredit | undefined>> {
    const items = await batchGet(
      this.table,
      sessionIds.map((sessionId) => ({ pk: runPk(runId), sk: `SESSION#${sessionId}` })),
      { expression: 'sk, via.#s', names: { '#s': stream } },
    );
    const stored = new Map<string, ViaCredit | undefined>();
    for (const item of items) {
      const via = item.via as Record<string, ViaCredit> | undefined;
      stored.set(String(item.sk).slice('SESSION#'.length), via?.[stream]);
    }
    return stored;
  }

  /**
   * Writes what the stream credits the session, unless a computation over as
   * many markers or more already wrote it. Returns the session after the write.
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
          ConditionExpression: 'attribute_exists(pk) AND NOT via.#s.n >= :n',
          ExpressionAttributeNames: { '#s': stream },
          ExpressionAttributeValues: { ':c': credit, ':n': credit.n },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out?.Attributes ? viewSession(out.Attributes) : undefined;
  }
}
