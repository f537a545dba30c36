import * as dotenv from 'dotenv';
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

  const values = [
    'simple',
    "it's",
    'multi\nline',
    'a\r\nb',
    'lone\rcr',
    'trailing\r\n',
    "it's\r\n",
    ' padded ',
    'a # b',
    'C:\\path\\n',
    '"double"',
    "it's `all`",
    `all ' " \` \\ kinds\nof`,
    `cr ' \` " \\ \r\n`,
    'ends with \\',
    '',
  ];

  it('reads back every value that `secrets list --format env` prints, carriage returns included', () => {
    for (const v of values) expect(parseEnvFile(`K=${quoteEnv(v)}`).get('K')).toBe(v);
    // The whole listing at once, as `secrets list env > file` and `secrets load file` do.
    const file = values.map((v, i) => `K${i}=${quoteEnv(v)}\n`).join('');
    expect([...parseEnvFile(file).values()]).toEqual(values);
    // A carriage return is never written raw: an editor or git may turn the file's line ends into LF.
    expect(quoteEnv('a\r\nb')).toBe('"a\\r\\nb"');
  });

  it('prints what dotenv (which Nx and most tools use) reads back the same, but for values its syntax cannot hold', () => {
    // dotenv expands only \n and \r in double quotes: a `"` or a backslash beside a carriage return,
    // or a value with both ' and a backtick and one of those, has no dotenv form.
    const dotenvCannot = (v: string) =>
      /["\\]/.test(v) && (v.includes('\r') || (v.includes("'") && v.includes('`')));
    const file = values.map((v, i) => `K${i}=${quoteEnv(v)}\n`).join('');
    const parsed = dotenv.parse(file);
    const readable = values.filter((v) => !dotenvCannot(v));
    expect(readable.length).toBe(values.length - 2);
    for (const [i, v] of values.entries()) if (!dotenvCannot(v)) expect([i, parsed[`K${i}`]]).toEqual([i, v]);
  });
});
