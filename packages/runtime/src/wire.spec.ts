import {
  clientEnvName,
  expandCompactBindings,
  fallbackPath,
  normalizeId,
  parseCompactBindings,
  parseEnvName,
  planParameters,
  projectManifestName,
  readPlanned,
  ssmPath,
  targetManifestName,
  type ReadParameter,
} from './wire';

describe('parseEnvName', () => {
  it('splits SST_{Type}_{prop}_{id}, keeping underscores in the id', () => {
    expect(parseEnvName('SST_Bucket_bucketName_public')).toEqual({
      type: 'Bucket',
      prop: 'bucketName',
      id: 'public',
    });
    expect(parseEnvName('SST_Table_tableName_my_orders_v2')).toEqual({
      type: 'Table',
      prop: 'tableName',
      id: 'my_orders_v2',
    });
  });

  it('ignores names that are not bindings', () => {
    for (const name of [
      'SST_APP',
      'SST_STAGE',
      'SST_SSM_PREFIX',
      'SST_BINDINGS',
      'SST_Bucket_bucketName_',
      'PATH',
    ]) {
      expect(parseEnvName(name)).toBeUndefined();
    }
  });
});

describe('paths', () => {
  it('builds the stage path from the prefix and the fallback path from the app only', () => {
    expect(ssmPath('/sst/shop/dev/', 'Secret', 'STRIPE_KEY', 'value')).toBe(
      '/sst/shop/dev/Secret/STRIPE_KEY/value',
    );
    expect(ssmPath('/custom/', 'NextjsSite', 'web', 'url')).toBe('/custom/NextjsSite/web/url');
    expect(fallbackPath('shop', 'Secret', 'STRIPE_KEY', 'value')).toBe(
      '/sst/shop/.fallback/Secret/STRIPE_KEY/value',
    );
    expect(normalizeId('my-files-2')).toBe('my_files_2');
  });
});

describe('parseCompactBindings', () => {
  it('reads the JSON object the deploy writes', () => {
    expect(
      parseCompactBindings(
        '{"Bucket":{"public":{"bucketName":"b"}},"Secret":{"K":{"value":"__FETCH_FROM_SSM__"}}}',
      ),
    ).toEqual({ Bucket: { public: { bucketName: 'b' } }, Secret: { K: { value: '__FETCH_FROM_SSM__' } } });
  });

  it('names the variable and the bad spot', () => {
    expect(() => parseCompactBindings('{nope')).toThrow(/^SST_BINDINGS is not valid JSON/);
    expect(() => parseCompactBindings('[]')).toThrow(/SST_BINDINGS must be a JSON object .*the value is not/);
    expect(() => parseCompactBindings('{"Bucket":{"public":{"bucketName":1}}}')).toThrow(
      /Bucket\.public\.bucketName is not/,
    );
  });
});

describe('manifest names', () => {
  it('a project name with characters SSM refuses gets _ for them', () => {
    expect(projectManifestName('/sst/a/dev/', '@acme/web app')).toBe(
      '/sst/a/dev/_bind/project/_acme/web_app',
    );
    expect(targetManifestName('/sst/a/dev/', 'api')).toBe('/sst/a/dev/_bind/target/api');
  });
});

describe('clientEnvName', () => {
  it('is the server-side expression in upper snake case after the prefix; Parameters and Secrets read as Config', () => {
    expect(clientEnvName('VITE_', 'Bucket', 'uploads', 'bucketName')).toBe('VITE_BUCKET_UPLOADS_BUCKET_NAME');
    expect(clientEnvName('NEXT_PUBLIC_', 'KinesisStream', 'click-stream', 'streamName')).toBe(
      'NEXT_PUBLIC_KINESIS_STREAM_CLICK_STREAM_STREAM_NAME',
    );
    expect(clientEnvName('VITE_', 'Parameter', 'API_URL', 'value')).toBe('VITE_CONFIG_API_URL');
  });
});

describe('expandCompactBindings', () => {
  it('expands SST_BINDINGS into one variable per value and checks its shape', () => {
    expect(
      expandCompactBindings({
        PATH: '/bin',
        SST_BINDINGS: JSON.stringify({
          Bucket: { up: { bucketName: 'b' } },
          Secret: { K: { value: '__FETCH_FROM_SSM__' } },
        }),
      }),
    ).toEqual({ PATH: '/bin', SST_Bucket_bucketName_up: 'b', SST_Secret_value_K: '__FETCH_FROM_SSM__' });
    expect(() => expandCompactBindings({ SST_BINDINGS: '{"Bucket":{"up":{"bucketName":1}}}' })).toThrow(
      /Bucket\.up\.bucketName is not/,
    );
  });
});

describe('the placeholder resolver', () => {
  const where = { ssmPrefix: '/sst/app/dev/', app: 'app' };
  /** A reader over a fixed set of parameters that records each call's names. */
  const reader = (params: Record<string, string>) => {
    const calls: string[][] = [];
    const read = async (names: string[]): Promise<ReadParameter[]> => {
      calls.push(names);
      expect(names.length).toBeLessThanOrEqual(10);
      return names.filter((n) => n in params).map((n) => ({ name: n, value: params[n], version: '1@0' }));
    };
    return { read, calls };
  };

  it('plans one read per parameter: references share their secret, ids normalized, fallbacks for secrets', () => {
    const planned = planParameters(
      [
        { type: 'Secret', id: 'KEY', prop: 'value', placeholder: '__FETCH_FROM_SSM__' },
        { type: 'Api', id: 'auth', prop: 'url', placeholder: '__FETCH_FROM_SECRET__:KEY' },
        { type: 'Function', id: 'fn', prop: 'key', placeholder: '__FETCH_FROM_SECRET__:my-key' },
        { type: 'NextjsSite', id: 'web', prop: 'url', placeholder: '__FETCH_FROM_SSM__' },
      ],
      where,
    );
    expect([...planned.values()].map((p) => [p.path, p.secret, p.fallback, p.requests.length])).toEqual([
      ['/sst/app/dev/Secret/KEY/value', 'KEY', '/sst/app/.fallback/Secret/KEY/value', 2],
      ['/sst/app/dev/Secret/my_key/value', 'my_key', '/sst/app/.fallback/Secret/my_key/value', 1],
      ['/sst/app/dev/NextjsSite/web/url', undefined, undefined, 1],
    ]);
  });

  it('one round trip when the fallbacks fit in the calls made anyway; the stage wins over the fallback', async () => {
    const { read, calls } = reader({
      '/sst/app/dev/Secret/A/value': 'stage',
      '/sst/app/.fallback/Secret/A/value': 'fallback-a',
      '/sst/app/.fallback/Secret/B/value': 'fallback-b',
    });
    const planned = planParameters(
      ['A', 'B', 'C'].map((id) => ({ type: 'Secret', id, prop: 'value', placeholder: '__FETCH_FROM_SSM__' })),
      where,
    );
    const answers = await readPlanned(read, planned);
    expect(calls).toHaveLength(1);
    expect(Object.fromEntries([...answers].map(([path, p]) => [path, p.value]))).toEqual({
      '/sst/app/dev/Secret/A/value': 'stage',
      '/sst/app/dev/Secret/B/value': 'fallback-b',
    });
  });

  it('27 names: 3 calls at once, then only the fallbacks still needed', async () => {
    const params: Record<string, string> = {};
    for (let i = 0; i < 27; i++) params[`/sst/app/dev/Secret/S${i}/value`] = `v${i}`;
    delete params['/sst/app/dev/Secret/S5/value'];
    params['/sst/app/.fallback/Secret/S5/value'] = 'fb';
    const { read, calls } = reader(params);
    const planned = planParameters(
      Array.from({ length: 27 }, (_, i) => ({
        type: 'Secret',
        id: `S${i}`,
        prop: 'value',
        placeholder: '__FETCH_FROM_SSM__',
      })),
      where,
    );
    const answers = await readPlanned(read, planned);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 7, 1]);
    expect(calls[3]).toEqual(['/sst/app/.fallback/Secret/S5/value']);
    expect(answers.get('/sst/app/dev/Secret/S5/value')?.value).toBe('fb');
    expect(answers.size).toBe(27);
  });

  it('names asked before (a bind manifest in the first round) are not asked again', async () => {
    const { read, calls } = reader({
      '/sst/app/dev/_bind/target/api': '{}',
      '/sst/app/dev/Bucket/b/bucketName': 'x',
    });
    const planned = planParameters(
      [{ type: 'Bucket', id: 'b', prop: 'bucketName', placeholder: '__FETCH_FROM_SSM__' }],
      where,
    );
    const state = { asked: new Set<string>(), found: new Map<string, ReadParameter>() };
    await readPlanned(read, planned, state, ['/sst/app/dev/_bind/target/api']);
    await readPlanned(read, planned, state);
    expect(calls).toEqual([['/sst/app/dev/_bind/target/api', '/sst/app/dev/Bucket/b/bucketName']]);
  });
});
