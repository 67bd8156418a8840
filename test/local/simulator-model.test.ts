import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample } from '../../local/simulator/distribution.js';
import { parseEml } from '../../local/simulator/eml.js';
import { loadTargetModel, parseTargetModel, type TargetModel } from '../../local/simulator/index.js';
import { createRng } from '../../local/simulator/rng.js';

// The simulator's pure parts: target model files and raw email parsing (the running simulator is in simulator.test.ts).
let dir: string;
let models: Record<'demo' | 'real', TargetModel>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simulator-model-test-'));
  models = {
    demo: await loadTargetModel('local/models/webordinary-demo.json'),
    real: await loadTargetModel('local/models/webordinary.json'),
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('target model', () => {
  const base = () =>
    JSON.parse(JSON.stringify(models.demo)) as Record<string, unknown> & { steps: unknown[] };

  it.each([
    [
      'a max below min',
      (m: ReturnType<typeof base>) => ((m.steps[2] as { latencyMs: unknown }).latencyMs = { min: 5, max: 2 }),
      'steps[2].latencyMs.max: must be >= min',
    ],
    [
      'a p95 below the median',
      (m: ReturnType<typeof base>) =>
        ((m.steps[0] as { latencyMs: unknown }).latencyMs = { median: 9, p95: 3 }),
      'steps[0].latencyMs.p95: must be >= median',
    ],
    [
      'an unknown placeholder',
      (m: ReturnType<typeof base>) =>
        ((m.steps[1] as { lines: { text: string }[] }).lines[0]!.text = 'x {nope}'),
      'steps[1].lines[0].text: uses unknown placeholder {nope}',
    ],
    [
      'an unknown step',
      (m: ReturnType<typeof base>) => ((m.site as { step: string }).step = 'deploy'),
      'site.step: must name a step',
    ],
    [
      'a recipient regex without groups',
      (m: ReturnType<typeof base>) => ((m.identity as { recipient: string }).recipient = '^(.+)@x$'),
      'identity.recipient: must define the named group (?<projectId>',
    ],
    [
      'a busy-claim share above 1',
      (m: ReturnType<typeof base>) =>
        ((m.lanes as { claimWhileBusy: { share: number } }).claimWhileBusy.share = 1.5),
      'lanes.claimWhileBusy.share: Too big: expected number to be <=1',
    ],
    [
      'busy claims without drop lines',
      (m: ReturnType<typeof base>) =>
        ((m.lanes as { claimWhileBusy: { dropLines: unknown[] } }).claimWhileBusy.dropLines = []),
      'lanes.claimWhileBusy.dropLines: Too small: expected array to have >=1 items',
    ],
    [
      'a drop line with an unknown placeholder',
      (m: ReturnType<typeof base>) =>
        ((m.lanes as { claimWhileBusy: { dropLines: { text: string }[] } }).claimWhileBusy
          .dropLines[0]!.text = 'busy {nope}'),
      'lanes.claimWhileBusy.dropLines[0].text: uses unknown placeholder {nope}',
    ],
    [
      'a drop line marked as a marker',
      (m: ReturnType<typeof base>) =>
        ((m.lanes as { claimWhileBusy: { dropLines: { marker?: boolean }[] } }).claimWhileBusy
          .dropLines[0]!.marker = true),
      "lanes.claimWhileBusy.dropLines[0].marker: must not be set: a dropped job's marker is the first step's",
    ],
  ])('names the field for %s', (_, change, message) => {
    const model = base();
    change(model);
    expect(() => parseTargetModel(model)).toThrow(message);
  });

  it("gives the demo the real model's identities, group, lines and names", () => {
    const shape = (m: TargetModel) => ({
      identity: m.identity,
      logs: m.logs,
      ecs: [m.ecs.cluster, m.ecs.service, m.ecs.startupLines],
      steps: m.steps.map((s) => [s.name, s.lines.map((l) => [l.text, l.context, l.level, l.marker])]),
      site: [m.site?.bucket, m.site?.body, m.site?.step],
      dropLines: m.lanes.claimWhileBusy?.dropLines,
    });
    expect(shape(models.demo)).toEqual(shape(models.real));
  });

  it('names the file and field when loading', async () => {
    const path = join(dir, 'bad-model.json');
    const model = base();
    (model.lanes as { claimMs: unknown }).claimMs = 'soon';
    await writeFile(path, JSON.stringify(model));
    await expect(loadTargetModel(path)).rejects.toThrow(
      `${path} is invalid:\n  lanes.claimMs: must be a number`,
    );
  });

  it('draws uniform and log-normal latencies inside their bounds', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(1000), fc.nat(1000), (seed, a, b) => {
        const rng = createRng(seed);
        const [min, max] = [Math.min(a, b), Math.max(a, b)];
        const uniform = sample({ min, max }, rng);
        const logNormal = sample({ median: min + 1, p95: max + 1, max: 5000 }, rng);
        return uniform >= min && uniform <= max && logNormal > 0 && logNormal <= 5000;
      }),
    );
    const rng = createRng(3);
    const draws = Array.from({ length: 4000 }, () => sample({ median: 100, p95: 400 }, rng)).sort(
      (x, y) => x - y,
    );
    expect(draws[2000]).toBeGreaterThan(90);
    expect(draws[2000]).toBeLessThan(110);
    expect(draws[3800]).toBeGreaterThan(340);
    expect(draws[3800]).toBeLessThan(470);
  });
});

describe('parseEml', () => {
  it('reads back any text body sent as base64 or 8-bit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), fc.boolean(), (text, base64) => {
        const body = text.replace(/\r/g, '');
        const encoded = base64
          ? Buffer.from(body, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n')
          : body;
        const raw = `To: a@b.c\r\nSubject: s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${base64 ? 'base64' : '8bit'}\r\n\r\n${encoded}`;
        return parseEml(raw).text === body.replace(/\r\n/g, '\n');
      }),
    );
  });

  it('takes the text part of a multipart message', () => {
    const raw = [
      'To: x <x@amelia.webordinary.com>, y@z.com',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html',
      '',
      '<p>html</p>',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('plain text').toString('base64'),
      '--b1--',
    ].join('\r\n');
    expect(parseEml(raw)).toMatchObject({ to: ['x@amelia.webordinary.com', 'y@z.com'], text: 'plain text' });
  });
});
