import { MASK, SecretMasker } from './mask';

function run(secrets: string[], chunks: string[]): string {
  const masker = new SecretMasker(secrets);
  return chunks.map((c) => masker.write(c)).join('') + masker.flush();
}

describe('SecretMasker', () => {
  it('masks every occurrence', () => {
    expect(run(['hunter22'], ['a hunter22 b hunter22'])).toBe(`a ${MASK} b ${MASK}`);
  });

  it('masks a secret split across chunks, at every split point', () => {
    const secret = 'sk_live_abcdef';
    const text = `token=${secret}; done`;
    for (let cut = 0; cut <= text.length; cut++) {
      expect(run([secret], [text.slice(0, cut), text.slice(cut)])).toBe(`token=${MASK}; done`);
    }
    expect(run([secret], text.split(''))).toBe(`token=${MASK}; done`);
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

  it('masks JSON-escaped and per-line forms of a multi-line secret', () => {
    const secret = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----';
    expect(run([secret], [JSON.stringify({ secret })])).toBe(`{"secret":"${MASK}"}`);
    expect(run([secret], ['line: MIIBOgIBAAJBAK\n'])).toBe(`line: ${MASK}\n`);
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
});
