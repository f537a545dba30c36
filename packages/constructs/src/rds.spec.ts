import { Function } from './function';
import { RDS } from './rds';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('RDS', () => {
  const ws = useWorkspace();

  it('is Aurora Serverless v2 with the Data API and binds clusterArn, secretArn and defaultDatabaseName', () => {
    const { template } = ws.synth(({ stack }) => {
      const db = new RDS(stack, 'db', { engine: 'postgresql16', defaultDatabaseName: 'main' });
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [db] });
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      EnableHttpEndpoint: true,
      DatabaseName: 'main',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
    });
    const cluster = logicalId(template, 'AWS::RDS::DBCluster', 'db');
    const secret = { Ref: logicalId(template, 'AWS::SecretsManager::SecretTargetAttachment', 'db') };
    const clusterArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':rds:us-east-1:123456789012:cluster:', { Ref: cluster }],
      ],
    };
    expect(lambdaEnv(template, 'fn')).toMatchObject({
      SST_RDS_clusterArn_db: clusterArn,
      SST_RDS_secretArn_db: secret,
      SST_RDS_defaultDatabaseName_db: 'main',
    });
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      { Action: 'rds-data:*', Effect: 'Allow', Resource: clusterArn },
      {
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: secret,
      },
    ]);
    expect(Object.keys(ssmParameters(template)).filter((n) => n.includes('/RDS/'))).toEqual([
      '/sst/my-app/dev/RDS/db/clusterArn',
      '/sst/my-app/dev/RDS/db/secretArn',
      '/sst/my-app/dev/RDS/db/defaultDatabaseName',
    ]);
  });
});
