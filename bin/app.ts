#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BenchmarkStack } from '../lib/benchmark-stack.js';
import { nightlyScheduleFromContext } from '../lib/schedule-construct.js';
import { targetPropsFromContext } from '../lib/target-props.js';

// Target names and the nightly schedule come from CDK context (see lib/target-props.ts
// and lib/schedule-construct.ts); the defaults are WebOrdinary's real names.
const app = new App();
new BenchmarkStack(app, 'WebOrdinaryBench', {
  description: 'WebOrdinary Bench: end-to-end latency benchmark and load tester for WebOrdinary',
  target: targetPropsFromContext(app.node),
  nightly: nightlyScheduleFromContext(app.node),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
