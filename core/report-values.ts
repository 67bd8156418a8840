import type { Report, SessionReport } from './report-model.js';

/**
 * The raw per-session values behind a report's figures, read back from
 * `report.sessions` (every figure in report.json is computed from these).
 */

/** One session's value of a metric: a stage's segment, `total` or `lateness`; undefined when it has none. */
export function sessionValue(session: SessionReport, metric: string): number | undefined {
  if (metric === 'total') return session.total ?? undefined;
  if (metric === 'lateness') return session.lateness ?? undefined;
  return Object.hasOwn(session.segments, metric) ? session.segments[metric] : undefined;
}

/** The values of a metric over some sessions, in session order. */
export function metricValues(sessions: readonly SessionReport[], metric: string): number[] {
  const out: number[] = [];
  for (const session of sessions) {
    const value = sessionValue(session, metric);
    if (typeof value === 'number') out.push(value);
  }
  return out;
}

/** The sessions of one scenario, or every session of the run for null. */
export function scenarioSessions(report: Report, scenario: string | null): SessionReport[] {
  return scenario === null ? [...report.sessions] : report.sessions.filter((s) => s.scenario === scenario);
}
