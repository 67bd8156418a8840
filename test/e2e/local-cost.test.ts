import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { runLocal } from '../../local/runner/local-run.js';

/**
 * A local run's report carries the harness cost the model predicts beside what
 * the run was counted to use. The counts are checked against the structure of
 * the state machine, with the observer's passes as the run made them.
 */
describe('the harness cost of a local run, predicted and measured', () => {
  it('counts every state transition, invocation and email of a burst of 6', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    const sessions = 6;
    const input: ProfileInput = {
      ...demo,
      name: 'e2e-cost',
      scenarios: [{ type: 'burst', sessions }],
      thresholds: [],
    };
    const run = await runLocal({ profile: input, baseDir: 'profiles' });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    const cost = run.report?.cost;
    expect(cost?.predicted).toBeDefined();
    const measured = cost?.measured;
    if (!measured) throw new Error('the local report has no measured harness cost');

    const invocations = (handler: string) => measured.counts.lambda[handler]?.invocations ?? 0;
    const passes = invocations('observe');
    expect(passes).toBeGreaterThan(0);
    expect({
      prepare: invocations('prepare'),
      'start-scenario': invocations('start-scenario'),
      trigger: invocations('trigger'),
      await: invocations('await'),
      finalize: invocations('finalize'),
      report: invocations('report'),
    }).toEqual({
      prepare: 1,
      'start-scenario': 1,
      trigger: sessions,
      await: sessions,
      finalize: sessions,
      report: 1,
    });
    // The collector runs in a process of its own; its calls are counted there and added.
    expect(invocations('collector')).toBeGreaterThan(0);
    expect(measured.notMeasured?.join(' ') ?? '').not.toMatch(/collector/);
    // The run: Prepare run, the scenario Map, the settle wait, Write report, Thresholds passed?, Benchmark passed.
    // The scenario: Start scenario, Which scenario type?, the Parallel, Cold and warm sessions?, the Distributed
    // Map (its local ItemReader stand-in is not counted), Start observing, 3 states a pass but the last one's
    // Wait, Observer done, Was the target changed?, Did the sessions fail?, Scenario done.
    // Each session: Wait until scheduled start, Send trigger, Send slot later?, Wait for completion, Record completion.
    expect(measured.counts.transitions).toBe(6 + (10 + 3 * passes - 1) + 5 * sessions);
    expect(measured.counts.sesMessages).toBe(sessions);
    expect(measured.counts.dynamoWriteUnits).toBeGreaterThan(0);
    expect(measured.counts.dynamoReadUnits).toBeGreaterThan(0);
    // report.json/.md/.html by the report Lambda, the plan by Start scenario.
    expect(measured.counts.s3Puts).toBe(4);
    expect(measured.total).toBeCloseTo(
      measured.items.reduce((sum, i) => sum + i.amount, 0),
      12,
    );
    expect(measured.byHandler?.trigger).toMatchObject({ invocations: sessions });
    expect(measured.byHandler?.trigger?.seconds).toBeGreaterThan(0);
  }, 180_000);
});
