import { existsSync } from 'node:fs';

/**
 * The Chromium the browser tests drive: $BENCH_CHROMIUM, else Debian's
 * /usr/bin/chromium (.ci/run installs it with apt-get). Missing, the test
 * fails with how to install it: a browser check that silently skips would
 * pass in CI without ever having looked.
 */
export function chromiumPath(): string {
  const candidates = [process.env.BENCH_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => Boolean(p),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `no Chromium found (looked at ${candidates.join(', ')}): install it with \`apt-get install -y chromium\` ` +
        '(Debian) or point BENCH_CHROMIUM at a Chromium or Chrome binary',
    );
  return found;
}
