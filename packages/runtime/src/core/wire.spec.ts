import { fallbackPath, normalizeId, parseCompactBindings, parseEnvName, ssmPath } from './wire';

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
