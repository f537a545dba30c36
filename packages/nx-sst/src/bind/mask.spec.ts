import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createMasker, MASK, SecretMasker } from './mask';

function run(secrets: string[], chunks: (string | Buffer)[]): string {
  const masker = new SecretMasker(secrets);
  return chunks.map((c) => masker.write(c)).join('') + masker.flush();
}

/** Every way of cutting `text` in two, plus one character (or byte) per chunk. */
function splits(text: string): (string | Buffer)[][] {
  const bytes = Buffer.from(text);
  const cuts: (string | Buffer)[][] = [[text], [...bytes].map((b) => Buffer.from([b]))];
  for (let cut = 0; cut <= text.length; cut++) cuts.push([text.slice(0, cut), text.slice(cut)]);
  return cuts;
}

/** The text a terminal shows: escape sequences removed. */
const visible = (text: string) =>
  // eslint-disable-next-line no-control-regex
  text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[ -/]*[0-~]/g, '');

describe('SecretMasker', () => {
  it('masks every occurrence', () => {
    expect(run(['hunter22'], ['a hunter22 b hunter22'])).toBe(`a ${MASK} b ${MASK}`);
  });

  it('masks a secret split across chunks, at every split point', () => {
    const secret = 'sk_live_abcdef';
    const text = `token=${secret}; done`;
    for (const chunks of splits(text)) expect(run([secret], chunks)).toBe(`token=${MASK}; done`);
  });

  it('releases a held prefix that turns out not to be a secret', () => {
    const masker = new SecretMasker(['password1']);
    expect(masker.write('my pass')).toBe('my ');
    expect(masker.write('port')).toBe('passport');
    expect(masker.write(' pass')).toBe(' ');
    expect(masker.flush()).toBe('pass');
  });

  it('masks the longest of overlapping secrets whole', () => {
    expect(run(['abcd', 'abcdefgh'], ['xabcdefghx'])).toBe(`x${MASK}x`);
  });

  it('waits for the rest of a longer secret when a shorter one ends a chunk', () => {
    expect(run(['abcd', 'abcdefgh'], ['xabcd', 'efghx'])).toBe(`x${MASK}x`);
    expect(run(['abcd', 'abcdefgh'], ['xabcd', 'x'])).toBe(`x${MASK}x`);
  });

  it('masks JSON-escaped and per-line forms of a multi-line secret', () => {
    const secret = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----';
    expect(run([secret], [JSON.stringify({ secret })])).toBe(`{"secret":"${MASK}"}`);
    expect(run([secret], ['line: MIIBOgIBAAJBAK\n'])).toBe(`line: ${MASK}\n`);
  });

  it("masks the single-quoted form Vitest and util.inspect print (\\' and \\\\ escaped)", () => {
    const secret = "it's a\\secret";
    expect(run([secret], ["expected 'it\\'s a\\\\secret' to be 'x'"])).toBe(`expected '${MASK}' to be 'x'`);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const masker = new SecretMasker(['geheim!']);
    const bytes = Buffer.from('€ geheim! €');
    const out = masker.write(bytes.subarray(0, 1)) + masker.write(bytes.subarray(1)) + masker.flush();
    expect(out).toBe(`€ ${MASK} €`);
  });

  it('ignores values too short to mask meaningfully', () => {
    const masker = new SecretMasker(['on', '1']);
    expect(masker.active).toBe(false);
  });

  describe('through terminal escape sequences', () => {
    it('masks a secret with colour codes inside it (a Jest diff), keeping the codes, at every split point', () => {
      const line = 'Received: \x1b[31m"tok_\x1b[7mchanged_999\x1b[27m"\x1b[39m\n';
      for (const chunks of splits(line)) {
        expect(run(['tok_changed_999'], chunks)).toBe(`Received: \x1b[31m"${MASK}\x1b[7m\x1b[27m"\x1b[39m\n`);
      }
    });

    it('masks a secret with a code between every two characters', () => {
      const secret = 'sk_test_42';
      const painted = [...secret].map((c, i) => `\x1b[3${i % 8}m${c}`).join('') + '\x1b[39m';
      const out = run([secret], [`key=${painted}!`]);
      expect(visible(out)).toBe(`key=${MASK}!`);
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[a-z0-9_]\x1b\[3\dm[a-z0-9_]/);
    });

    it('looks through 8-bit CSI, OSC hyperlinks and ESC ( B', () => {
      const secret = 'tok_changed_999';
      for (const code of [
        '\x9b1m',
        '\x1b]8;;https://example.com/x\x07',
        '\x1b]8;;\x1b\\',
        '\x1b(B',
        '\x1b[38;2;255;0;0m',
      ]) {
        for (const chunks of splits(`a tok_chan${code}ged_999 b`)) {
          expect(run([secret], chunks)).toBe(`a ${MASK}${code} b`);
        }
      }
    });

    it('holds an unfinished escape sequence for the next chunk, and releases it at the end', () => {
      const masker = createMasker(['tok_changed_999']);
      expect(masker.write('x \x1b[')).toBe('x ');
      expect(masker.write('1mtok_')).toBe('\x1b[1m');
      expect(masker.write('changed_999')).toBe(MASK);
      expect(masker.write(' \x1b')).toBe(' ');
      expect(masker.flush()).toBe('\x1b');
    });

    it('shows a lone ESC and an overlong or malformed sequence as they are, holding nothing', () => {
      expect(run(['secret99'], ['a\x1bsecret99'])).toBe(`a\x1b${MASK}`);
      const long = `\x1b[${'1;'.repeat(100)}`;
      expect(run(['secret99'], [long + 'x secret99'])).toBe(`${long}x ${MASK}`);
      const masker = new SecretMasker(['secret99']);
      expect(masker.write(`${long}x`)).toBe(`${long}x`);
    });
  });

  it('masks a prefix of a secret cut short by … (Vitest truncates long strings in messages)', () => {
    const secret = 'sk_live_abcdefghijklmnopqrstuvwxyz0123456789';
    const line = `AssertionError: expected 'sk_live_abcdefghijklmnopqrstuvwxyz012…' to be 'other'`;
    for (const chunks of splits(line)) {
      expect(run([secret], chunks)).toBe(`AssertionError: expected '${MASK}…' to be 'other'`);
    }
    // A few characters before an ellipsis are not enough to mean the secret.
    expect(run([secret], ['sk_…'])).toBe('sk_…');
  });
});

describe('SecretMasker on real test-runner output (FORCE_COLOR=1, as Nx runs tasks)', () => {
  jest.setTimeout(120_000);
  const exec = promisify(execFile);
  const root = path.resolve(__dirname, '../../../..');
  const secret = 'tok_changed_999';
  const longSecret = 'sk_live_abcdefghijklmnopqrstuvwxyz0123456789';
  let dir: string;

  beforeAll(() => {
    fs.mkdirSync(path.join(__dirname, '../../tmp'), { recursive: true });
    dir = fs.mkdtempSync(path.join(__dirname, '../../tmp/mask-'));
    const tests = `
      const secret = process.env.SECRET;
      const longSecret = process.env.LONG_SECRET;
      test('a string', () => { expect(secret).toBe('tok_original_123'); });
      test('the other way round', () => { expect('tok_original_123').toBe(secret); });
      test('an object', () => { expect({ key: secret, n: 1 }).toEqual({ key: 'tok_original_123', n: 1 }); });
      test('in a longer string', () => { expect('a ' + secret + ' b').toBe('a tok_original_123 b'); });
      test('a long secret', () => { expect(longSecret).toBe('sk_live_other'); });
    `;
    fs.writeFileSync(path.join(dir, 'secret.test.js'), tests);
    fs.writeFileSync(path.join(dir, 'secret.test.mjs'), `import { test, expect } from 'vitest';\n${tests}`);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function output(command: string[]): Promise<string> {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      FORCE_COLOR: '1',
      SECRET: secret,
      LONG_SECRET: longSecret,
    };
    const failed = await exec(process.execPath, command, { cwd: dir, env, maxBuffer: 1 << 24 }).then(
      () => undefined,
      (error: { stdout: string; stderr: string }) => error,
    );
    if (!failed) throw new Error(`${command.join(' ')} passed; its tests are meant to fail`);
    return failed.stdout + failed.stderr;
  }

  function expectMasked(raw: string) {
    // The runner really split the secret with colour codes, and really printed it whole elsewhere.
    expect(raw).toContain(`tok_\x1b[7mchanged_999\x1b[27m`);
    expect(raw).toContain(secret);
    for (const chunks of splits(raw).filter((_, i) => i < 2 || i % 7 === 0)) {
      const masked = run([secret, longSecret], chunks);
      for (const text of [masked, visible(masked)]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain('changed_999');
        expect(text).not.toContain('abcdefghijklmnop');
      }
      // The rest of the output is left alone: the expected value and the colours around it.
      expect(masked).toContain(`tok_\x1b[7moriginal_123\x1b[27m`);
      expect(masked).toContain(`Received: \x1b[31m"${MASK}\x1b[7m\x1b[27m"\x1b[39m`);
    }
  }

  it('masks a Jest diff of a failing expect(secret).toBe(other)', async () => {
    const raw = await output([
      path.join(root, 'node_modules/jest/bin/jest.js'),
      '--config',
      '{"testEnvironment":"node"}',
      '--rootDir',
      dir,
      '--ci',
      'secret.test.js',
    ]);
    expect(raw).toContain('5 failed');
    expectMasked(raw);
  });

  it('masks a Vitest diff of a failing expect(secret).toBe(other), and its truncated message', async () => {
    const raw = await output([
      path.join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--root',
      dir,
      'secret.test.mjs',
    ]);
    expect(raw).toContain('5 failed');
    // Vitest cuts long strings in the assertion message, leaving a prefix of the secret before the ….
    expect(raw).toMatch(/expected 'sk_live_abcdefghijklmnop[a-z0-9]*…'/);
    expectMasked(raw);
  });
});
