import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../core/profile.js';
import { parseProfile } from '../../core/validate-profile.js';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { nightlyScheduleFromContext, readNightlyProfile } from '../../lib/schedule-construct.js';
import { targetPropsFromContext } from '../../lib/target-props.js';
import { profileInput } from '../fixtures/profile.js';

type Widget = { type: string; properties: Record<string, unknown> };
type MetricLine = {
  namespace: string;
  name: string;
  dims: Record<string, string>;
  stat: string;
  period: number;
};

/** Builds the app as bin/app.ts does (the repository's nightly profile unless context says otherwise). */
function build(context: Record<string, unknown> = {}, nightly = true) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new BenchmarkStack(app, 'WebOrdinaryBench', {
    target: targetPropsFromContext(app.node),
    ...(nightly ? { nightly: nightlyScheduleFromContext(app.node) } : {}),
  });
  return { stack, template: Template.fromStack(stack) };
}

/** The dashboard body as JSON, with each `Ref` / `Fn::GetAtt` written as `<logicalId>`. */
function dashboardWidgets(template: Template): Widget[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const fn = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
    if (fn['Fn::Join']) return fn['Fn::Join'][1].map(flatten).join(fn['Fn::Join'][0]);
    return `<${fn['Fn::GetAtt']?.[0] ?? fn.Ref}>`;
  };
  return (JSON.parse(flatten(dashboards[0]?.Properties.DashboardBody)) as { widgets: Widget[] }).widgets;
}

/** Every metric line of every graph: `[namespace, name, dim, value, ..., {stat, period}]`. */
function metricLines(widgets: Widget[]): MetricLine[] {
  return widgets.flatMap((w) =>
    ((w.properties.metrics as unknown[][] | undefined) ?? []).map((line) => {
      const [namespace, name, ...rest] = line as string[];
      const { stat, period } = rest.pop() as unknown as { stat: string; period: number };
      const dims: Record<string, string> = {};
      for (let i = 0; i < rest.length; i += 2) dims[rest[i] as string] = rest[i + 1] as string;
      return { namespace: namespace ?? '', name: name ?? '', dims, stat, period };
    }),
  );
}

const sessionScenarios = (profile: Profile): string[] =>
  profile.scenarios.filter((s) => s.type !== 'resources').map((s) => s.name ?? s.type);

describe('DashboardConstruct', () => {
  const nightly = parseProfile(readNightlyProfile('profiles/webordinary-nightly.json'));
  const base = { namespace: 'WebOrdinary/Performance', period: 86_400, dims: { Profile: nightly.name } };
  let built: ReturnType<typeof build>;
  let widgets: Widget[];
  let lines: MetricLine[];
  beforeAll(() => {
    built = build();
    widgets = dashboardWidgets(built.template);
    lines = metricLines(widgets);
  });

  it('graphs p50, p95 and p99 of StageDuration over all scenarios for every stage of the nightly profile', () => {
    expect(nightly.target.stages.length).toBeGreaterThan(0);
    for (const { name } of nightly.target.stages) {
      for (const stat of ['p50', 'p95', 'p99']) {
        expect(lines).toContainEqual({
          ...base,
          name: 'StageDuration',
          dims: { ...base.dims, Scenario: 'all', Stage: name },
          stat,
        });
      }
    }
  });

  it('graphs SuccessRate and TotalDuration percentiles for each scenario with sessions, and for the run', () => {
    const scenarios = [...sessionScenarios(nightly), 'all'];
    expect(scenarios).not.toContain('resources');
    for (const scenario of scenarios) {
      const dims = { ...base.dims, Scenario: scenario };
      expect(lines).toContainEqual({ ...base, name: 'SuccessRate', dims, stat: 'Minimum' });
      expect(lines).toContainEqual({ ...base, name: 'Lateness', dims, stat: 'p95' });
      for (const stat of ['p50', 'p95', 'p99'])
        expect(lines).toContainEqual({
          ...base,
          name: 'TotalDuration',
          dims: { ...dims, Stage: 'total' },
          stat,
        });
    }
    expect(lines.filter((l) => l.name === 'SuccessRate').map((l) => l.dims.Scenario)).toEqual(scenarios);
  });

  it("draws the profile's success thresholds on the success-rate graph, in percent", () => {
    const graph = widgets.find((w) => w.properties.metrics && JSON.stringify(w).includes('"SuccessRate"'));
    expect(graph?.properties.annotations).toEqual({
      horizontal: [
        { value: 95, label: 'sustained: rate > 95%', yAxis: 'left' },
        { value: 80, label: 'burst: rate > 80%', yAxis: 'left' },
      ],
    });
  });

  it("graphs the state machine's succeeded and failed executions and every alarm's status", () => {
    const { stack } = built;
    const machine = stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement);
    for (const name of ['ExecutionsSucceeded', 'ExecutionsFailed']) {
      expect(lines).toContainEqual({
        namespace: 'AWS/States',
        name,
        dims: { StateMachineArn: `<${machine}>` },
        stat: 'Sum',
        period: 86_400,
      });
    }
    const alarm = Object.keys(built.template.findResources('AWS::CloudWatch::Alarm'));
    // The verdict first, then a stopped run, then a restore that failed (RunNotRestored).
    expect(widgets.find((w) => w.type === 'alarm')?.properties.alarms).toEqual([
      `<${alarm.find((id) => id.startsWith('ScheduleRunFailed'))}>`,
      `<${alarm.find((id) => id.startsWith('ScheduleRunStopped'))}>`,
      `<${alarm.find((id) => id.startsWith('StoppedRunRestoreRunNotRestored'))}>`,
    ]);
    expect(alarm).toHaveLength(3);
  });

  it('opens with a text header and asks only for percentiles of duration metrics', () => {
    expect(widgets[0]).toMatchObject({ type: 'text', properties: { markdown: expect.any(String) } });
    expect(String(widgets[0]?.properties.markdown)).not.toMatch(/https?:|\]\(/);
    const durations = lines.filter((l) => ['StageDuration', 'TotalDuration', 'Lateness'].includes(l.name));
    expect(durations.every((l) => /^p\d+$/.test(l.stat))).toBe(true);
  });

  describe('with another nightly profile', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const withProfile = (profile: unknown, context: Record<string, unknown> = {}) => {
      const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(path, JSON.stringify(profile));
      return build({ nightlyProfile: path, ...context });
    };

    it("follows the profile's stage and scenario names", () => {
      const input = profileInput({
        name: 'other',
        scenarios: [{ type: 'burst', name: 'spike', sessions: 2 }],
      });
      const other = metricLines(dashboardWidgets(withProfile(input).template));
      const stages = other
        .filter((l) => l.name === 'StageDuration' && l.stat === 'p95')
        .map((l) => l.dims.Stage);
      expect(stages).toEqual(['pickup', 'build', 'live', 'done']);
      const rates = other.filter((l) => l.name === 'SuccessRate').map((l) => l.dims);
      expect(rates).toEqual([
        { Profile: 'other', Scenario: 'spike' },
        { Profile: 'other', Scenario: 'all' },
      ]);
    });

    it('warns when the profile publishes to a namespace the stack does not permit', () => {
      const { stack } = withProfile(profileInput(), { metricsNamespace: 'Bench/Elsewhere' });
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('permits only Bench/Elsewhere'));
    });
  });

  it('is absent when the stack has no nightly run', () => {
    const { stack, template } = build({}, false);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(stack.dashboard).toBeUndefined();
  });
});
