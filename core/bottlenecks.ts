import { formatDuration } from './format.js';
import { percentile, quantileInterval, sortValues } from './percentiles.js';
import type { Report, SessionReport } from './report-model.js';
import { metricValues } from './report-values.js';
import { holmAdjust, rankTest } from './significance.js';

/**
 * Bottlenecks, named: for each scenario, each stage's share of the total
 * (at p50 and at p95), and how each stage changed against the run's unloaded
 * sessions (those of `stages` scenarios and the warm phase of `coldWarm`;
 * for a coldWarm scenario's cold phase, the same). All from the raw sessions
 * in report.json.
 *
 * A stage is named slower only when the change is credible and material: a
 * rank test (Holm-adjusted over the scenario's stages) below 5 %, with at
 * least MIN_N sessions on each side, and p50 at least ×1.25 and 50 ms above
 * the unloaded p50. The bottleneck is the slower stage that adds the most to
 * p50. Each ratio carries a conservative interval (the extreme ratios of the
 * two p50s' 97.5 % intervals: together at least 95 %) when both sides have
 * enough sessions for one, and n always, so that small samples do not shout.
 */

export const MIN_N = 4;
const MATERIAL_RATIO = 1.25;
const MATERIAL_MS = 50;
const ALPHA = 0.05;

export interface StageShare {
  readonly stage: string;
  /** stage p50 / total p50, and stage p95 / total p95; null when not computable. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly n: number;
}

export interface StageChange {
  readonly stage: string;
  readonly baseline: { readonly n: number; readonly p50: number | null };
  readonly loaded: { readonly n: number; readonly p50: number | null };
  /** loaded p50 / unloaded p50; null when either is missing or the unloaded p50 is not positive. */
  readonly ratio: number | null;
  /** Conservative ≥ 95 % interval of the ratio; null when either side has too few sessions. */
  readonly interval: { readonly low: number; readonly high: number } | null;
  /** Holm-adjusted rank-test p-value; null when either side has fewer than MIN_N sessions. */
  readonly p: number | null;
  readonly slower: boolean;
}

export interface ScenarioVerdict {
  readonly scenario: string;
  readonly type: string;
  /** What the scenario was compared with: `unloaded` (stages + warm sessions) or null when there was none. */
  readonly comparedWith: { readonly label: string; readonly n: number } | null;
  readonly shares: readonly StageShare[];
  readonly changes: readonly StageChange[];
  readonly bottleneck: string | null;
  /** Every stage credibly slower, largest added p50 first. */
  readonly slower: readonly string[];
  /** One or two plain sentences. */
  readonly text: string;
}

export function bottlenecks(report: Report): ScenarioVerdict[] {
  // An S3 milestone overlaps the log segments (it is measured from the send): it has no share of its own.
  const stages = report.stageInfo.filter((s) => s.measuredFrom === 'previous').map((s) => s.name);
  const unloadedScenarios = new Set(report.scenarios.filter((s) => s.type === 'stages').map((s) => s.name));
  const isUnloaded = (s: SessionReport): boolean => unloadedScenarios.has(s.scenario) || s.phase === 'warm';
  const unloaded = report.sessions.filter(isUnloaded);
  return report.scenarios.map((scenario) => {
    const own = report.sessions.filter((s) => s.scenario === scenario.name);
    const loaded = scenario.type === 'coldWarm' ? own.filter((s) => s.phase === 'cold') : own;
    const shares = stageShares(loaded.length > 0 ? loaded : own, stages);
    const baseline = scenario.type === 'stages' ? [] : unloaded;
    if (baseline.length === 0 || loaded.length === 0) {
      return {
        scenario: scenario.name,
        type: scenario.type,
        comparedWith: null,
        shares,
        changes: [],
        bottleneck: null,
        slower: [],
        text: sharesSentence(shares, own.length, scenario.type === 'stages'),
      };
    }
    const changes = stageChanges(baseline, loaded, stages);
    const slower = changes
      .filter((c) => c.slower)
      .sort((a, b) => added(b) - added(a))
      .map((c) => c.stage);
    const label = scenario.type === 'coldWarm' ? 'cold vs unloaded warm' : `${scenario.name} vs unloaded`;
    return {
      scenario: scenario.name,
      type: scenario.type,
      comparedWith: { label, n: baseline.length },
      shares,
      changes,
      bottleneck: slower[0] ?? null,
      slower,
      text:
        verdictText(scenario.name, scenario.type, changes, slower, shares, loaded.length, baseline.length) +
        workspaceNote(loaded, baseline),
    };
  });
}

/**
 * With a user pool, a session first on its user sets up the workspace (a
 * clone and an install in WebOrdinary), which makes its stage slower for that
 * alone. When the two sides differ in how many did, the verdict says so: a
 * stage "slower under load" may be the set-up, not the load.
 */
export function workspaceNote(loaded: readonly SessionReport[], baseline: readonly SessionReport[]): string {
  if (![...loaded, ...baseline].some((s) => s.firstOnUser !== undefined)) return '';
  const first = (sessions: readonly SessionReport[]) => sessions.filter((s) => s.firstOnUser === true).length;
  const [a, b] = [first(loaded), first(baseline)];
  if (Math.abs(a / loaded.length - b / baseline.length) <= 0.25) return '';
  return ` Note: ${a} of ${loaded.length} session(s) here were first on their user (they set up its workspace) against ${b} of ${baseline.length} unloaded; a stage that sets up the workspace is slower for that alone.`;
}

function stageShares(sessions: readonly SessionReport[], stages: readonly string[]): StageShare[] {
  const total = sortValues(metricValues(sessions, 'total'));
  const t50 = total.length > 0 ? percentile(total, 50) : null;
  const t95 = total.length > 0 ? percentile(total, 95) : null;
  return stages.map((stage) => {
    const values = sortValues(metricValues(sessions, stage));
    const share = (p: number, of: number | null): number | null =>
      values.length > 0 && of !== null && of > 0 ? percentile(values, p) / of : null;
    return { stage, p50: share(50, t50), p95: share(95, t95), n: values.length };
  });
}

export function stageChanges(
  baseline: readonly SessionReport[],
  loaded: readonly SessionReport[],
  stages: readonly string[],
): StageChange[] {
  const raw = stages.map((stage) => {
    const b = sortValues(metricValues(baseline, stage));
    const l = sortValues(metricValues(loaded, stage));
    const bp = b.length > 0 ? percentile(b, 50) : null;
    const lp = l.length > 0 ? percentile(l, 50) : null;
    const ratio = bp !== null && lp !== null && bp > 0 ? lp / bp : null;
    const bi = quantileInterval(b, 50, 0.975);
    const li = quantileInterval(l, 50, 0.975);
    const interval =
      bi && li && bi.low > 0 && bi.high > 0 ? { low: li.low / bi.high, high: li.high / bi.low } : null;
    const test = b.length >= MIN_N && l.length >= MIN_N ? rankTest(b, l) : null;
    return { stage, b, l, bp, lp, ratio, interval, test };
  });
  const tested = raw.filter((r) => r.test !== null);
  const adjusted = holmAdjust(tested.map((r) => r.test!.p));
  return raw.map((r) => {
    const i = tested.indexOf(r);
    const p = i >= 0 ? adjusted[i]! : null;
    const material =
      r.ratio !== null &&
      r.ratio >= MATERIAL_RATIO &&
      r.lp !== null &&
      r.bp !== null &&
      r.lp - r.bp >= MATERIAL_MS;
    const slower = p !== null && p < ALPHA && material && (r.test?.probabilityGreater ?? 0) > 0.5;
    return {
      stage: r.stage,
      baseline: { n: r.b.length, p50: r.bp },
      loaded: { n: r.l.length, p50: r.lp },
      ratio: r.ratio,
      interval: r.interval,
      p,
      slower,
    };
  });
}

/** What a slower stage means when its position says it: the first stage runs from the send, so it holds any wait for the target to pick the job up. */
function why(stage: string, firstStage: string | undefined, type: string): string {
  if (type === 'coldWarm') return ' (the cold start)';
  return stage === firstStage ? ' (sessions wait for the target to pick them up: capacity or queueing)' : '';
}

const added = (c: StageChange): number => (c.loaded.p50 ?? 0) - (c.baseline.p50 ?? 0);

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '–';
  return `×${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(ratio >= 1.95 ? 1 : 2)}`;
}

function ratioWithInterval(c: StageChange): string {
  const interval = c.interval ? `, ${formatRatio(c.interval.low)}–${formatRatio(c.interval.high)}` : '';
  return `${formatRatio(c.ratio)} (n ${c.loaded.n} vs ${c.baseline.n}${interval})`;
}

function largest(shares: readonly StageShare[]): StageShare | undefined {
  return [...shares].filter((s) => s.p50 !== null).sort((a, b) => b.p50! - a.p50!)[0];
}

function sharesSentence(shares: readonly StageShare[], n: number, isBaseline: boolean): string {
  const top = largest(shares);
  const head = top
    ? `${top.stage} is the largest stage: ${Math.round(top.p50! * 100)} % of total at p50 (n ${top.n}).`
    : 'No stage has a value.';
  const why = isBaseline
    ? ' These are the unloaded sessions other scenarios are compared with.'
    : ' No unloaded sessions in this run to compare with (add a stages or coldWarm scenario).';
  return `${head}${why}${n < MIN_N ? ` Only ${n} session(s): indicative at most.` : ''}`;
}

function verdictText(
  scenario: string,
  type: string,
  changes: readonly StageChange[],
  slower: readonly string[],
  shares: readonly StageShare[],
  nLoaded: number,
  nBaseline: number,
): string {
  const under = type === 'coldWarm' ? 'when cold' : `under ${scenario}`;
  const thin = nLoaded < MIN_N || nBaseline < MIN_N;
  if (thin)
    return `Too few sessions to judge (n ${nLoaded} vs ${nBaseline} unloaded; ${MIN_N} a side needed). ${sharesSentence(shares, nLoaded, true).split('.')[0]}.`;
  if (slower.length === 0) {
    const top = largest(shares);
    return `No stage is credibly slower ${under} than unloaded (n ${nLoaded} vs ${nBaseline}).${top ? ` The largest stage is ${top.stage}: ${Math.round(top.p50! * 100)} % of total at p50.` : ''}`;
  }
  const byStage = new Map(changes.map((c) => [c.stage, c]));
  const first = byStage.get(slower[0]!)!;
  const others = changes
    .filter((c) => c.stage !== first.stage && c.ratio !== null)
    .sort((a, b) => added(b) - added(a))
    .slice(0, 1)
    .map((c) => ` while ${c.stage} ${formatRatio(c.ratio)}`)
    .join('');
  const gain = changes.reduce((sum, c) => sum + Math.max(0, added(c)), 0);
  const share =
    gain > 0
      ? ` It adds ${formatDuration(added(first))} of the ${formatDuration(gain)} the stages gained at p50.`
      : '';
  const also = slower.length > 1 ? ` Also credibly slower: ${slower.slice(1).join(', ')}.` : '';
  return `Bottleneck ${under}: ${first.stage}, p50 ${ratioWithInterval(first)}${others}${why(first.stage, changes[0]?.stage, type)}.${share}${also}`;
}
