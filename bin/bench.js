#!/usr/bin/env node
// The `bench` command: runs bin/bench.ts with tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

// Node 20 is supported here; the SDK's notice about its future Node 22 requirement is noise for a CLI user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./bench.ts');
