import { formatElapsed } from './format.js';
import { expandLimit, limitLoads } from './limit-steps.js';
import { type Profile, scenarioName } from './profile.js';
import { formatLoad } from './render-limit.js';
import { scenarioSeconds } from './run-limits.js';
import { sustainedCount } from './session-plan.js';

/**
 * What `bench validate` says of each limit scenario: its steps and their
 * planned sessions, what each step must meet, and how long it can take at
 * worst (every step passes and every session runs to its timeout).
 */
export function explainLimits(profile: Profile): string[] {
  const lines: string[] = [];
  for (const scenario of profile.scenarios) {
    if (scenario.type !== 'limit') continue;
    const { loads, unit } = limitLoads(scenario);
    const steps = expandLimit(scenario);
    const sessions = steps.map((s) =>
      s.type === 'sustained'
        ? sustainedCount(s.ratePerMinute, s.durationMinutes)
        : s.type === 'burst'
          ? s.sessions
          : 0,
    );
    const worstMs = steps.reduce((sum, s) => sum + scenarioSeconds(profile, s) * 1000, 0);
    const conditions = scenario.pass.map((p) => `${p.metric} ${p.condition}`).join(' and ');
    const what =
      unit === 'sessions'
        ? 'bursts'
        : `sustained rates, ${'durationMinutes' in scenario.steps ? scenario.steps.durationMinutes : 0} min each`;
    lines.push(
      `limit scenario ${scenarioName(scenario)}: ${loads.length} step(s) of ${what}, run in order until one fails`,
      ...loads.map(
        (load, i) =>
          `  step ${i + 1} (${steps[i]?.name}): ${unit === 'sessions' ? `a burst of ${load} sessions` : `${formatLoad(load, unit)}, ${sessions[i]} session(s) planned`}`,
      ),
      `  each step passes with ${conditions}; the limit is the highest step that passes`,
      `  at most ${sessions.reduce((a, b) => a + b, 0)} sessions and ${formatElapsed(worstMs)} if every step runs (each session sent in its SES slot and run to its timeout)`,
    );
  }
  return lines;
}
