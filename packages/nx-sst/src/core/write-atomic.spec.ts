import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeAtomic } from './write-atomic';

describe('writeAtomic', () => {
  it('writes into a new folder with the mode asked for and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-write-'));
    try {
      const file = path.join(dir, 'a/b/creds.json');
      writeAtomic(file, '{"x":1}\n', 0o600);
      writeAtomic(file, '{"x":2}\n', 0o600);
      expect(fs.readFileSync(file, 'utf8')).toBe('{"x":2}\n');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['creds.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
