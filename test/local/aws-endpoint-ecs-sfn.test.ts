import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  ECSClient,
  ListTasksCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEndpoint,
  type DesiredCountChange,
  startAwsEndpoint,
} from '../../local/aws-endpoint/index.js';

let endpoint: AwsEndpoint;
let ecs: ECSClient;
let sfn: SFNClient;

beforeAll(async () => {
  endpoint = await startAwsEndpoint();
  const config = {
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  ecs = new ECSClient(config);
  sfn = new SFNClient(config);
  endpoint.ecs.defineService({ cluster: 'webordinary', service: 'edit', desiredCount: 1, runningCount: 1 });
});

afterAll(async () => {
  ecs.destroy();
  sfn.destroy();
  await endpoint.close();
});

describe('ECS', () => {
  it('describes services and reports unknown ones as MISSING failures', async () => {
    const result = await ecs.send(
      new DescribeServicesCommand({ cluster: 'webordinary', services: ['edit', 'ghost'] }),
    );
    expect(result.services).toHaveLength(1);
    expect(result.services?.[0]).toMatchObject({
      serviceName: 'edit',
      serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/webordinary/edit',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/webordinary',
      status: 'ACTIVE',
      desiredCount: 1,
      runningCount: 1,
      pendingCount: 0,
    });
    expect(result.services?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(result.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:service/webordinary/ghost', reason: 'MISSING' },
    ]);
  });

  it('updates the desired count, returns the service and tells the simulator', async () => {
    const changes: DesiredCountChange[] = [];
    const stop = endpoint.ecs.onDesiredCountChange((change) => changes.push(change));
    const updated = await ecs.send(
      new UpdateServiceCommand({ cluster: 'webordinary', service: 'edit', desiredCount: 0 }),
    );
    stop();
    expect(updated.service).toMatchObject({ serviceName: 'edit', desiredCount: 0, runningCount: 1 });
    expect(changes).toEqual([{ cluster: 'webordinary', service: 'edit', previous: 1, desiredCount: 0 }]);
    expect(endpoint.ecs.getService('webordinary', 'edit')?.desiredCount).toBe(0);
  });

  it('lists one task ARN per running task', async () => {
    endpoint.ecs.setCounts('webordinary', 'edit', { running: 3, pending: 1 });
    const listed = await ecs.send(new ListTasksCommand({ cluster: 'webordinary', serviceName: 'edit' }));
    expect(listed.taskArns).toHaveLength(3);
    expect(listed.taskArns?.[0]).toMatch(
      /^arn:aws:ecs:us-east-1:000000000000:task\/webordinary\/[0-9a-f]{32}$/,
    );
    endpoint.ecs.setCounts('webordinary', 'edit', { running: 1, pending: 0 });
    const after = await ecs.send(new ListTasksCommand({ cluster: 'webordinary', serviceName: 'edit' }));
    expect(after.taskArns).toEqual(listed.taskArns?.slice(0, 1));
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: 'webordinary', services: ['edit'] }),
    );
    expect(described.services?.[0]).toMatchObject({ runningCount: 1, pendingCount: 0 });
  });

  it('raises ServiceNotFoundException and ClusterNotFoundException', async () => {
    const ghost = ecs.send(
      new UpdateServiceCommand({ cluster: 'webordinary', service: 'ghost', desiredCount: 1 }),
    );
    await expect(ghost).rejects.toBeInstanceOf(ServiceNotFoundException);
    const nowhere = ecs.send(new DescribeServicesCommand({ cluster: 'nowhere', services: ['edit'] }));
    await expect(nowhere).rejects.toBeInstanceOf(ClusterNotFoundException);
  });
});

describe('Step Functions task tokens', () => {
  it('resolves the result with the parsed output of SendTaskSuccess', async () => {
    const { token, result } = endpoint.sfn.issueToken();
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"stage":"deployed","at":1}' }));
    await expect(result).resolves.toEqual({ stage: 'deployed', at: 1 });
  });

  it('rejects the result with the error name and cause of SendTaskFailure', async () => {
    const { token, result } = endpoint.sfn.issueToken();
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'SessionFailed', cause: 'build broke' }),
    );
    await expect(result).rejects.toMatchObject({ name: 'SessionFailed', cause: 'build broke' });
    const other = endpoint.sfn.issueToken();
    await sfn.send(new SendTaskFailureCommand({ taskToken: other.token }));
    await expect(other.result).rejects.toMatchObject({ name: 'States.TaskFailed' });
  });

  it('answers unknown tokens with InvalidToken and answered or cancelled ones with TaskTimedOut', async () => {
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'never-issued', output: '{}' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    const answered = endpoint.sfn.issueToken();
    await sfn.send(new SendTaskSuccessCommand({ taskToken: answered.token, output: '1' }));
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: answered.token, output: '2' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    const cancelled = endpoint.sfn.issueToken();
    endpoint.sfn.cancelToken(cancelled.token);
    await expect(
      sfn.send(new SendTaskHeartbeatCommand({ taskToken: cancelled.token })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('rejects output that is not JSON with InvalidOutput and keeps the token open', async () => {
    const { token, result } = endpoint.sfn.issueToken();
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })),
    ).rejects.toBeInstanceOf(InvalidOutput);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '"ok"' }));
    await expect(result).resolves.toBe('ok');
  });
});

describe('JSON protocol server', () => {
  it('answers an unknown target with a typed 400 error', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'Logs_20140328.DeleteEverything',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
