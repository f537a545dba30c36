import { namesMotoApi, ReadWriteGate } from './front';

describe('ReadWriteGate', () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('runs reads together and a write alone, writers first', async () => {
    const gate = new ReadWriteGate();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
    };
    const r1 = gate.read(task('r1', 30));
    const r2 = gate.read(task('r2', 30));
    await tick();
    const w1 = gate.write(task('w1', 10));
    await tick();
    // Arrives after the writer: waits for it although a read is still running.
    const r3 = gate.read(task('r3', 5));
    await Promise.all([r1, r2, w1, r3]);
    expect(log.slice(0, 2).sort()).toEqual(['r1+', 'r2+']);
    const w = log.indexOf('w1+');
    expect(log.indexOf('r1-')).toBeLessThan(w);
    expect(log.indexOf('r2-')).toBeLessThan(w);
    expect(log[w + 1]).toBe('w1-');
    expect(log.indexOf('r3+')).toBeGreaterThan(w);
  });

  it('keeps going after a task fails', async () => {
    const gate = new ReadWriteGate();
    await expect(gate.write(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.read(async () => 'read')).resolves.toBe('read');
    await expect(gate.write(async () => 'write')).resolves.toBe('write');
  });

  it('admits waiting writers one at a time (they used to pass together after the first left)', async () => {
    const gate = new ReadWriteGate();
    let inside = 0;
    let most = 0;
    const task = async () => {
      inside++;
      most = Math.max(most, inside);
      await tick();
      inside--;
    };
    const mixed = Array.from({ length: 8 }, (_, i) => (i % 3 === 2 ? gate.read(tick) : gate.write(task)));
    await Promise.all([gate.write(task), ...Array.from({ length: 8 }, () => gate.write(task)), ...mixed]);
    expect(most).toBe(1);
  });

  it('never runs a read beside a write', async () => {
    const gate = new ReadWriteGate();
    let writing = false;
    let overlap = false;
    const write = () =>
      gate.write(async () => {
        writing = true;
        await tick();
        writing = false;
      });
    const read = () =>
      gate.read(async () => {
        if (writing) overlap = true;
        await tick();
        if (writing) overlap = true;
      });
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? write() : read())));
    expect(overlap).toBe(false);
  });
});

describe('namesMotoApi', () => {
  it('finds moto`s control routes however the path is spelled, and nothing else', () => {
    for (const url of [
      '/moto-api/data.json',
      '/moto-api/reset',
      '/%6Doto-api/seed?a=1',
      'http://x/moto-api/nx-sst/lambda-code',
    ])
      expect(namesMotoApi(url)).toBe(true);
    for (const url of ['/bucket/moto-api/data.json', '/motoapi', '/']) expect(namesMotoApi(url)).toBe(false);
  });
});
