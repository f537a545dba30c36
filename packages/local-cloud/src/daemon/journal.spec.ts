import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cutDamagedJournal, Journal, JournalDamagedError } from './journal';

describe('Journal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-journal-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('returns what was appended, bodies byte for byte, and numbers records on', async () => {
    const file = path.join(dir, 'a');
    const { journal } = await Journal.open(file);
    const binary = Buffer.from([0, 1, 255, 13, 10, 0]);
    await journal.append({ method: 'PUT', url: '/b/k', headers: { host: 'h' }, body: binary }, journal.seq);
    await journal.append(
      { method: 'POST', url: '/', headers: {}, body: Buffer.from('{"a":1}') },
      journal.seq,
    );
    await journal.close();
    const reopened = await Journal.open(file);
    expect(reopened.records.map((r) => [r.seq, r.method, r.url])).toEqual([
      [1, 'PUT', '/b/k'],
      [2, 'POST', '/'],
    ]);
    expect(reopened.records[0].body).toEqual(binary);
    expect(reopened.records[0].headers).toEqual({ host: 'h' });
    expect(reopened.journal.seq).toBe(3);
    await reopened.journal.close();
  });

  it('drops a record torn by a crash and truncates it away', async () => {
    const file = path.join(dir, 'b');
    const { journal } = await Journal.open(file);
    await journal.append({ method: 'PUT', url: '/kept', headers: {}, body: Buffer.from('x') }, journal.seq);
    await journal.close();
    const intact = fs.statSync(file).size;
    // Half a record: a length that promises more bytes than follow.
    fs.appendFileSync(file, Buffer.from([0, 0, 1, 0, 1, 2, 3, 4, 5]));
    const reopened = await Journal.open(file);
    expect(reopened.records.map((r) => r.url)).toEqual(['/kept']);
    expect(fs.statSync(file).size).toBe(intact);
    await reopened.journal.close();
  });

  it('cuts a last record whose checksum does not match (torn by a crash) and says so', async () => {
    const file = path.join(dir, 'c');
    const { journal } = await Journal.open(file);
    await journal.append({ method: 'PUT', url: '/one', headers: {}, body: Buffer.from('1') }, journal.seq);
    const intact = (await fs.promises.stat(file)).size;
    await journal.append({ method: 'PUT', url: '/two', headers: {}, body: Buffer.from('2') }, journal.seq);
    await journal.close();
    const data = fs.readFileSync(file);
    data[data.length - 1] ^= 0xff;
    fs.writeFileSync(file, data);
    const reopened = await Journal.open(file);
    expect(reopened.records.map((r) => r.url)).toEqual(['/one']);
    expect(reopened.tornTail).toEqual({ offset: intact, bytes: data.length - intact });
    await reopened.journal.close();
  });

  it('cuts a tail of zeros (a file extended by a crash before its data was written)', async () => {
    const file = path.join(dir, 'zeros');
    const { journal } = await Journal.open(file);
    await journal.append({ method: 'PUT', url: '/one', headers: {}, body: Buffer.from('1') }, journal.seq);
    await journal.close();
    fs.appendFileSync(file, Buffer.alloc(4096));
    const reopened = await Journal.open(file);
    expect(reopened.records.map((r) => r.url)).toEqual(['/one']);
    expect(reopened.tornTail?.bytes).toBe(4096);
    await reopened.journal.close();
  });

  /** A journal of `count` records, and where each starts. */
  async function journalOf(name: string, count: number): Promise<{ file: string; starts: number[] }> {
    const file = path.join(dir, name);
    const { journal } = await Journal.open(file);
    const starts: number[] = [];
    for (let i = 1; i <= count; i++) {
      starts.push((await fs.promises.stat(file).catch(() => ({ size: 0 }))).size);
      const body = Buffer.from(`{"Name":"/p/${i}","Value":"${'v'.repeat(i * 7)}"}`);
      await journal.append({ method: 'POST', url: '/', headers: { 'x-n': String(i) }, body }, journal.seq);
    }
    await journal.close();
    return { file, starts };
  }

  it.each([
    ['a byte of a body', (start: number) => start + 40],
    ['the length of a record', (start: number) => start + 2],
    ['the checksum of a record', (start: number) => start + 5],
  ])(
    'refuses, untouched, a journal whose middle is damaged (%s), naming the byte and the way out',
    async (what, at) => {
      const { file, starts } = await journalOf(`mid-${what.replace(/\W+/g, '-')}`, 148);
      const data = fs.readFileSync(file);
      data[at(starts[29])] ^= 0x01;
      fs.writeFileSync(file, data);
      const error = await Journal.open(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JournalDamagedError);
      const message = (error as Error).message;
      expect(message).toContain(file);
      expect(message).toContain(`damaged at byte ${starts[29]}: record 30 fails its checksum`);
      expect(message).toMatch(/\d+ intact record\(s\) follow it/);
      expect(message).toContain(`nx-sst-local recover --state-dir ${dir}`);
      expect(fs.readFileSync(file)).toEqual(data);
    },
  );

  it('recovers on request: keeps a copy of the damaged journal and starts from the records before the damage', async () => {
    const { file, starts } = await journalOf('recover', 10);
    const data = fs.readFileSync(file);
    data[starts[4] + 40] ^= 0x01;
    fs.writeFileSync(file, data);
    const cut = cutDamagedJournal(file);
    expect(cut).toMatchObject({ kept: 4, lost: 5, offset: starts[4] });
    expect(fs.readFileSync(cut!.copy)).toEqual(data);
    expect(fs.statSync(cut!.copy).mode & 0o777).toBe(0o600);
    const reopened = await Journal.open(file);
    expect(reopened.records.map((r) => r.headers['x-n'])).toEqual(['1', '2', '3', '4']);
    expect(reopened.tornTail).toBeUndefined();
    expect(reopened.journal.seq).toBe(5);
    await reopened.journal.close();
    // An intact journal has nothing to recover.
    expect(cutDamagedJournal(file)).toBeUndefined();
  });
});
