import { parseEnvFile } from './env-file';
import { quoteEnv } from './secrets';

describe('parseEnvFile', () => {
  it('reads dotenv syntax: comments, export, quotes, multi-line values', () => {
    const file = [
      '# comment',
      '',
      'PLAIN=value # trailing comment',
      'export EXPORTED=yes',
      "SINGLE='a # not a comment'",
      'DOUBLE="line1\\nline2"',
      'MULTI="-----BEGIN KEY-----',
      'abc',
      '-----END KEY-----"',
      'EMPTY=',
      'SPACED = spaced value ',
    ].join('\n');
    expect(Object.fromEntries(parseEnvFile(file))).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      SINGLE: 'a # not a comment',
      DOUBLE: 'line1\nline2',
      MULTI: '-----BEGIN KEY-----\nabc\n-----END KEY-----',
      EMPTY: '',
      SPACED: 'spaced value',
    });
  });

  it('lists every invalid line by number and never echoes its content', () => {
    const file = ['GOOD=1', 'sk_live_secretvalue', '1BAD=x', 'OPEN="never closed', 'X=1'].join('\n');
    let message = '';
    try {
      parseEnvFile(file, 'prod.env');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      [
        'prod.env has lines that are not KEY=value:',
        '  line 2: expected KEY=value',
        '  line 3: "1BAD" is not a valid name',
        '  line 4: the value of OPEN opens a " quote that is never closed',
      ].join('\n'),
    );
    expect(message).not.toContain('sk_live');
  });

  it('reads back every value that `secrets list --format env` prints', () => {
    const values = ['simple', "it's", 'multi\nline', `all ' " \` \\ kinds\nof`, ''];
    for (const v of values) expect(parseEnvFile(`K=${quoteEnv(v)}`).get('K')).toBe(v);
  });
});
