import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AslGraph } from '../../core/asl-walk.js';
import { predictHarnessCost } from '../../core/harness-cost-model.js';
import { measuredFigures, predictedFigures, withHarnessFigures } from '../../core/harness-figures.js';
import type { Profile } from '../../core/profile.js';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import type { Report } from '../../core/report-model.js';
import { LOCAL_ITEMS_MAP_SUFFIX, type RenderedDefinition } from '../render-definition.js';
import { LOCAL_REPORTS_BUCKET } from './local-aws-setup.js';
import type { UsageMeter } from './usage-meter.js';

/** What a local count cannot see, said in the report beside the measured figures. */
const NOT_MEASURED_LOCALLY = [
  'DynamoDB index writes (the emulator reports the table only)',
  'Lambda cold starts and the runtime overhead of a real invocation',
];
const SOURCE =
  "counted locally: every state entered or retried, every Lambda invocation and every call of the handlers' SDK clients " +
  "(their DynamoDB read units include the local runner's own reads of the run's sessions, about one Query a second)";

/**
 * Adds the harness cost predicted for the profile (from the deployed
 * definition) and measured by the run's meter to the report the report Lambda
 * wrote, and writes report.json / .md / .html again. The meter saw the whole
 * execution, the report Lambda included, so this happens after it ended.
 */
export async function attachLocalCost(options: {
  readonly s3: S3Client;
  readonly report: Report;
  readonly profile: Profile;
  readonly rendered: RenderedDefinition;
  /** Every handler's use, the collector's instance processes included (UsageMeter.include). */
  readonly meter: UsageMeter;
}): Promise<Report> {
  const { report, profile, rendered, meter } = options;
  const prediction = predictHarnessCost(profile, {
    definition: rendered.deployed as unknown as AslGraph,
    handlerOf: rendered.handlerOf,
    memoryMiB: rendered.memoryMiB,
  });
  const notMeasured = NOT_MEASURED_LOCALLY;
  const withCost = withHarnessFigures(report, {
    predicted: predictedFigures(prediction),
    measured: measuredFigures(meter.usage(), rendered.memoryMiB, report.sessions.length, {
      source: SOURCE,
      notMeasured,
      byHandler: meter.handlerCounts(),
    }),
  });
  const prefix = `reports/${report.runId}/`;
  const put = (key: string, body: string, contentType: string) =>
    options.s3.send(
      new PutObjectCommand({
        Bucket: LOCAL_REPORTS_BUCKET,
        Key: `${prefix}${key}`,
        Body: body,
        ContentType: contentType,
      }),
    );
  await Promise.all([
    put('report.json', `${JSON.stringify(withCost, null, 2)}\n`, 'application/json'),
    put('report.md', renderMarkdown(withCost), 'text/markdown; charset=utf-8'),
    put('report.html', renderHtml(withCost), 'text/html; charset=utf-8'),
  ]);
  return withCost;
}

/** The local ItemReader stand-ins (Task states before `<name> (items read)`): no state on AWS. */
export function itemReaderStandIns(definition: object): Set<string> {
  const names = new Set<string>();
  const visit = (graph: { States?: Record<string, Record<string, unknown>> }) => {
    for (const [name, state] of Object.entries(graph.States ?? {})) {
      if (name.endsWith(LOCAL_ITEMS_MAP_SUFFIX)) names.add(name.slice(0, -LOCAL_ITEMS_MAP_SUFFIX.length));
      for (const branch of (state.Branches as (typeof graph)[] | undefined) ?? []) visit(branch);
      if (state.ItemProcessor) visit(state.ItemProcessor as typeof graph);
    }
  };
  visit(definition as Parameters<typeof visit>[0]);
  return names;
}
