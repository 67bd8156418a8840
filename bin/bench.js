#!/usr/bin/env node
// The `bench` command: runs bin/bench.ts with tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('./bench.ts');
