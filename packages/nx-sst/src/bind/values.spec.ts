import { expandCompactBindings, parseBindingEnvName } from './values';

describe('bind values', () => {
  it('parses SST_{Type}_{prop}_{id} with underscores in the id', () => {
    expect(parseBindingEnvName('SST_Bucket_bucketName_my_files')).toEqual({
      type: 'Bucket',
      prop: 'bucketName',
      id: 'my_files',
    });
    expect(parseBindingEnvName('SST_APP')).toBeUndefined();
  });

  it('expands the compact SST_BINDINGS form into one variable per value', () => {
    const env = {
      SST_APP: 'shop',
      SST_BINDINGS: JSON.stringify({
        Bucket: { public: { bucketName: 'shop-public' } },
        Secret: { STRIPE_KEY: { value: '__FETCH_FROM_SSM__' } },
      }),
    };
    expect(expandCompactBindings(env)).toEqual({
      SST_APP: 'shop',
      SST_Bucket_bucketName_public: 'shop-public',
      SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
    });
    expect(expandCompactBindings({ SST_APP: 'x' })).toEqual({ SST_APP: 'x' });
  });
});
