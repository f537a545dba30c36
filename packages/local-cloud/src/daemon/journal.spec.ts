import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Journal } from './journal';

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

  it('stops at a record whose checksum does not match', async () => {
    const file = path.join(dir, 'c');
    const { journal } = await Journal.open(file);
    await journal.append({ method: 'PUT', url: '/one', headers: {}, body: Buffer.from('1') }, journal.seq);
    await journal.append({ method: 'PUT', url: '/two', headers: {}, body: Buffer.from('2') }, journal.seq);
    await journal.close();
    const data = fs.readFileSync(file);
    data[data.length - 1] ^= 0xff;
    fs.writeFileSync(file, data);
    const reopened = await Journal.open(file);
    expect(reopened.records.map((r) => r.url)).toEqual(['/one']);
    await reopened.journal.close();
  });
});
