import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Profile } from '../../core/profile.js';
import type { SessionRecord, SessionStatus, TaskCountSample } from '../../core/records.js';
import { failureText, mergeEvidence, type RawEvidence } from '../../core/session-evidence.js';
import type { PlannedSession } from '../../core/session-plan.js';
import { dynamo } from './clients.js';
import { RunSlots } from './run-slots.js';
import { batchPut, queryAll } from './table-ops.js';

/**
 * The run's records in the one table (layout in docs/internals.md). Every write
 * is conditional or idempotent: a handler run twice leaves the same state.
 */

const RETENTION_SECONDS = 90 * 24 * 3600;
const ACTIVE_PK = 'ACTIVE';

/** A session as handlers see it: its stages and failure merged from every source (core/session-evidence.ts). */
export interface StoredSession extends SessionRecord {
  readonly offsetMs?: number;
  readonly taskToken?: string;
  readonly failedAt?: number;
  /** Sequential sessions: when the state machine first asked for the send (epoch ms; Store.markDue). */
  readonly dueAt?: number;
  /** Finished, but its job still runs in the target: it keeps its pool user (lambdas/shared/user-leases.ts). */
  readonly userHeld?: boolean;
  /** When Finalize gave the session its status (epoch ms): how long after its last stage the harness knew. */
  readonly finalizedAt?: number;
}

/** Merges a session item's evidence (keyed stages, stream credits) into one view. */
export function viewSession(item: Record<string, unknown>): StoredSession {
  // The raw evidence (`via`, `captured`) stays out of the view: it is merged into `stages` and `values`.
  const { via: _via, captured: _captured, ...plain } = item as Record<string, unknown> & RawEvidence;
  const evidence = mergeEvidence(item as RawEvidence);
  const view: Record<string, unknown> = { ...plain, stages: evidence.stages };
  if (Object.keys(evidence.values).length > 0) view.values = evidence.values;
  if (evidence.failure) {
    view.failedAt = evidence.failure.at;
    view.failureReason = evidence.failure.reason;
    view.error = failureText(evidence.failure);
  }
  return view as unknown as StoredSession;
}

export interface StoredRun {
  readonly runId: string;
  readonly profile: Profile;
  readonly startedAt: number;
  readonly finishedAt?: number;
}

export interface StoredScenario {
  readonly name: string;
  readonly startAt: number;
  readonly deadline: number;
  /** Poll mode: events before this time (epoch ms) have been read. */
  readonly polledUntil?: number;
}

export const runPk = (runId: string) => `RUN#${runId}`;
export const expiresAt = () => Math.floor(Date.now() / 1000) + RETENTION_SECONDS;

export class Store {
  constructor(readonly table: string) {}

  async putRun(run: StoredRun): Promise<void> {
    const item = { pk: runPk(run.runId), sk: 'RUN', ...run, expiresAt: expiresAt() };
    await this.putIfAbsent(item);
    await dynamo().send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: ACTIVE_PK,
          sk: runPk(run.runId),
          runId: run.runId,
          profile: run.profile,
          expiresAt: expiresAt(),
        },
      }),
    );
  }

  async getRun(runId: string): Promise<StoredRun | undefined> {
    return (await this.get(runId, 'RUN')) as StoredRun | undefined;
  }

  /**
   * Records the end of the run (the first report's time; a rebuilt report
   * keeps it). The collector goes on matching the run's markers until
   * `lateUntil`, so stage times that arrive after the report are still stored
   * in the session records (a rebuilt report counts them). The run's slot on
   * the target is freed: late markers are still matched, but nothing is sent.
   */
  async finishRun(runId: string, finishedAt: number, lateUntil: number): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: runPk(runId), sk: 'RUN' },
        UpdateExpression: 'SET finishedAt = if_not_exists(finishedAt, :f)',
        ExpressionAttributeValues: { ':f': finishedAt },
      }),
    );
    await dynamo()
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: ACTIVE_PK, sk: runPk(runId) },
          UpdateExpression: 'SET lateUntil = if_not_exists(lateUntil, :late), expiresAt = :expires',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':late': lateUntil, ':expires': Math.ceil(lateUntil / 1000) },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    await new RunSlots(this.table).release(runId);
  }

  /** Runs the collector matches: running, or finished less than their late-data window ago. */
  async activeRuns(now = Date.now()): Promise<{ runId: string; profile: Profile }[]> {
    const items = (await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': ACTIVE_PK },
    })) as { runId: string; profile: Profile; lateUntil?: number }[];
    return items.filter((item) => item.lateUntil === undefined || item.lateUntil > now);
  }

  /** Writes the planned sessions (BatchWriteItem, 25 at a time, unprocessed items retried). */
  async putSessions(runId: string, sessions: readonly PlannedSession[]): Promise<void> {
    const items = sessions.map((s) => ({
      pk: runPk(runId),
      sk: `SESSION#${s.sessionId}`,
      runId,
      ...s,
      stages: {},
      via: {},
      captured: {},
      status: 'planned' satisfies SessionStatus,
      expiresAt: expiresAt(),
    }));
    await batchPut(this.table, items, 'session(s)');
  }

  async getSession(runId: string, sessionId: string): Promise<StoredSession | undefined> {
    const item = await this.get(runId, `SESSION#${sessionId}`);
    return item ? viewSession(item) : undefined;
  }

  async sessions(runId: string, scenario?: string): Promise<StoredSession[]> {
    const input: Omit<QueryCommandInput, 'TableName'> = {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': runPk(runId), ':sk': 'SESSION#' },
      ConsistentRead: true,
    };
    if (scenario !== undefined) {
      input.FilterExpression = 'scenario = :scenario';
      input.ExpressionAttributeValues = { ...input.ExpressionAttributeValues, ':scenario': scenario };
    }
    return (await this.queryAll(input)).map(viewSession);
  }

  /** Marks a planned session as being sent; false when it was sent already (a retried trigger must not send twice). */
  async markSent(runId: string, sessionId: string, scheduledAt: number, sentAt: number): Promise<boolean> {
    return this.conditionalUpdate(runId, sessionId, {
      UpdateExpression: 'SET #status = :sent, scheduledAt = :sch, sentAt = :at',
      ConditionExpression: '#status = :planned',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sent': 'sent',
        ':planned': 'planned',
        ':sch': scheduledAt,
        ':at': sentAt,
      },
    }).then((item) => item !== undefined);
  }

  /**
   * A sequential session is due when the state machine first asks for its send:
   * the first call keeps its time, so a wait after it (a send slot, a free pool
   * user) counts as lateness.
   */
  async markDue(runId: string, sessionId: string, at: number): Promise<void> {
    await this.conditionalUpdate(runId, sessionId, {
      UpdateExpression: 'SET dueAt = if_not_exists(dueAt, :at)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async setSentAt(runId: string, sessionId: string, sentAt: number): Promise<void> {
    await this.conditionalUpdate(runId, sessionId, {
      UpdateExpression: 'SET sentAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': sentAt },
    });
  }

  /** Records a stage; the earliest event wins. Returns the session after the write, or undefined if nothing changed. */
  recordStage(
    runId: string,
    sessionId: string,
    stage: string,
    at: number,
    values?: Readonly<Record<string, number>>,
  ): Promise<StoredSession | undefined> {
    // The values the winning marker carried go with its time (Prepare gives every session a `captured` map).
    return this.conditionalUpdate(runId, sessionId, {
      UpdateExpression: values
        ? 'SET stages.#stage = :at, captured.#stage = :values'
        : 'SET stages.#stage = :at',
      // "Missing or later" as NOT of the opposite: a comparison with a missing attribute is false.
      ConditionExpression: 'attribute_exists(pk) AND NOT stages.#stage <= :at',
      ExpressionAttributeNames: { '#stage': stage },
      ExpressionAttributeValues: values ? { ':at': at, ':values': values } : { ':at': at },
    });
  }

  /** Records a keyed failure marker; the earliest one wins. */
  recordFailure(
    runId: string,
    sessionId: string,
    at: number,
    line: string,
    reason: string,
  ): Promise<StoredSession | undefined> {
    return this.conditionalUpdate(runId, sessionId, {
      UpdateExpression: 'SET failedAt = :at, #error = :line, failureReason = :reason',
      ConditionExpression: 'attribute_exists(pk) AND NOT failedAt <= :at',
      ExpressionAttributeNames: { '#error': 'error' },
      ExpressionAttributeValues: { ':at': at, ':line': `${reason}: ${line}`, ':reason': reason },
    });
  }

  async setTaskToken(
    runId: string,
    sessionId: string,
    taskToken: string,
  ): Promise<StoredSession | undefined> {
    return this.conditionalUpdate(runId, sessionId, {
      UpdateExpression: 'SET taskToken = :token',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':token': taskToken },
    });
  }

  /** Sets the final status once; later calls leave it as it is. */
  async finalize(
    runId: string,
    sessionId: string,
    status: SessionStatus,
    error?: string,
  ): Promise<StoredSession | undefined> {
    const values: Record<string, unknown> = {
      ':status': status,
      ':planned': 'planned',
      ':sent': 'sent',
      ':now': Date.now(),
    };
    let update = 'SET #status = :status, finalizedAt = :now REMOVE taskToken';
    if (error !== undefined) {
      update =
        'SET #status = :status, finalizedAt = :now, #error = if_not_exists(#error, :error) REMOVE taskToken';
      values[':error'] = error;
    }
    return this.conditionalUpdate(runId, sessionId, {
      UpdateExpression: update,
      ConditionExpression: '#status IN (:planned, :sent)',
      ExpressionAttributeNames: {
        '#status': 'status',
        ...(error !== undefined ? { '#error': 'error' } : {}),
      },
      ExpressionAttributeValues: values,
    });
  }

  async putScenario(runId: string, scenario: StoredScenario): Promise<StoredScenario> {
    const item = { pk: runPk(runId), sk: `SCENARIO#${scenario.name}`, ...scenario, expiresAt: expiresAt() };
    // A retried Start scenario keeps the first start time, so the schedule does not move.
    if (await this.putIfAbsent(item)) return scenario;
    return (await this.getScenario(runId, scenario.name)) ?? scenario;
  }

  async getScenario(runId: string, name: string): Promise<StoredScenario | undefined> {
    return (await this.get(runId, `SCENARIO#${name}`)) as StoredScenario | undefined;
  }

  async setPolledUntil(runId: string, name: string, polledUntil: number): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: runPk(runId), sk: `SCENARIO#${name}` },
        UpdateExpression: 'SET polledUntil = :p',
        ExpressionAttributeValues: { ':p': polledUntil },
      }),
    );
  }

  /** Counts one observer pass of the run; returns how many there have been, this one included. */
  async countObservePass(runId: string): Promise<number> {
    const out = await dynamo().send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: runPk(runId), sk: 'OBSERVER' },
        UpdateExpression: 'ADD observePasses :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.observePasses ?? 1);
  }

  async putSample(runId: string, sample: TaskCountSample): Promise<void> {
    await dynamo().send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: runPk(runId),
          sk: `SAMPLE#${String(sample.at).padStart(15, '0')}`,
          ...sample,
          expiresAt: expiresAt(),
        },
      }),
    );
  }

  async samples(runId: string): Promise<TaskCountSample[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': runPk(runId), ':sk': 'SAMPLE#' },
    });
    return items.map((i) => ({
      at: i.at as number,
      running: i.running as number,
      desired: i.desired as number,
      pending: i.pending as number,
    }));
  }

  /** One item of the run, read consistently (a handler reads what another just wrote). */
  private async get(runId: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: this.table, Key: { pk: runPk(runId), sk }, ConsistentRead: true }),
    );
    return Item;
  }

  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async conditionalUpdate(
    runId: string,
    sessionId: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<StoredSession | undefined> {
    try {
      const out = await dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: `SESSION#${sessionId}` },
          ReturnValues: 'ALL_NEW',
          ...update,
        }),
      );
      return out.Attributes ? viewSession(out.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>) {
    return queryAll(this.table, input);
  }
}
