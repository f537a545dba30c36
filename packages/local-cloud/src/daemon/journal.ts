import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';

/** One write the front sent to moto, exactly as sent, so replaying it rebuilds moto's state. */
export interface JournalRecord {
  /** Position in the journal; also the seed moto's random generator had before the write. */
  seq: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/*
 * Layout, binary-safe and append-only: for each record
 *   u32 payloadLength | u32 crc32(payload) | payload
 * where payload = u32 headerLength | header JSON {seq, method, url, headers} | body bytes.
 * A record cut short by a crash fails its length or checksum; reading stops there and the tail is
 * truncated, so only writes that were fsynced (and therefore acknowledged) survive.
 */
export class Journal {
  private constructor(
    private readonly file: string,
    private handle: fs.promises.FileHandle,
    private nextSeq: number,
  ) {}

  /** Opens (or creates) the journal, drops a torn tail and returns the intact records. */
  static async open(file: string): Promise<{ journal: Journal; records: JournalRecord[] }> {
    const records = readRecords(file);
    const handle = await fs.promises.open(file, 'a', 0o600);
    const journal = new Journal(file, handle, records.length === 0 ? 1 : records[records.length - 1].seq + 1);
    return { journal, records };
  }

  /** The sequence number the next appended record will get (the seed to give moto before that write). */
  get seq(): number {
    return this.nextSeq;
  }

  /** Appends a record and waits until it is on disk. */
  async append(record: Omit<JournalRecord, 'seq'>, seq: number): Promise<void> {
    const header = Buffer.from(
      JSON.stringify({ seq, method: record.method, url: record.url, headers: record.headers }),
      'utf8',
    );
    const payload = Buffer.alloc(4 + header.length + record.body.length);
    payload.writeUInt32BE(header.length, 0);
    header.copy(payload, 4);
    record.body.copy(payload, 4 + header.length);
    const frame = Buffer.alloc(8);
    frame.writeUInt32BE(payload.length, 0);
    frame.writeUInt32BE(crc32(payload), 4);
    await this.handle.write(Buffer.concat([frame, payload]));
    await this.handle.datasync();
    this.nextSeq = seq + 1;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Empties the journal (reset of the cloud). */
  async truncate(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.nextSeq = 1;
  }

  get path(): string {
    return this.file;
  }
}

function readRecords(file: string): JournalRecord[] {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset + 8 <= data.length) {
    const length = data.readUInt32BE(offset);
    const checksum = data.readUInt32BE(offset + 4);
    if (offset + 8 + length > data.length) break;
    const payload = data.subarray(offset + 8, offset + 8 + length);
    if (crc32(payload) !== checksum) break;
    const headerLength = payload.readUInt32BE(0);
    const header = JSON.parse(payload.subarray(4, 4 + headerLength).toString('utf8')) as Omit<
      JournalRecord,
      'body'
    >;
    records.push({ ...header, body: Buffer.from(payload.subarray(4 + headerLength)) });
    offset += 8 + length;
  }
  if (offset < data.length) fs.truncateSync(file, offset);
  return records;
}
