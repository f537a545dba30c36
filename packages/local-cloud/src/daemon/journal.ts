import * as fs from 'node:fs';
import * as path from 'node:path';
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
 *
 * Writes are appended one at a time and each is fsynced before the next starts, so a crash can only
 * leave an incomplete *last* record (a torn tail): that write was never acknowledged, and it is cut
 * off. A record that fails its length or checksum *followed by intact records* is damage of data that
 * was acknowledged: the journal is not opened (and not touched), so nothing after it is lost without
 * a word; `recoverJournal` keeps a copy and starts from the records before it, if the user asks.
 */

/** Where and how much of a journal is readable. */
export interface JournalScan {
  records: JournalRecord[];
  /** Byte offset after the last intact record of the unbroken run from the start. */
  end: number;
  /** A damaged record with intact records after it (never a torn tail). */
  damage?: { offset: number; intactAfter: number };
}

/** The journal has a damaged record in its middle; the message says where and what to do. */
export class JournalDamagedError extends Error {
  override name = 'JournalDamagedError';
  constructor(
    readonly file: string,
    readonly scan: JournalScan & { damage: NonNullable<JournalScan['damage']> },
  ) {
    const { offset, intactAfter } = scan.damage;
    const before = scan.records.length;
    super(
      `The local cloud's journal ${file} is damaged at byte ${offset}: record ${before + 1} fails its ` +
        `checksum and ${intactAfter} intact record(s) follow it. Nothing was replayed, cut or changed. ` +
        `To start from the ${before} record(s) before the damage (the writes after it are lost), run ` +
        `\`npx nx-sst-local recover --state-dir ${path.dirname(file)}\`: it keeps the whole file as ` +
        `${path.basename(file)}.damaged-<time> beside it. Or put back a copy of the file from a backup.`,
    );
  }
}

export class Journal {
  private constructor(
    private readonly file: string,
    private handle: fs.promises.FileHandle,
    private nextSeq: number,
  ) {}

  /**
   * Opens (or creates) the journal and returns its records. A torn tail (an incomplete last record)
   * is cut off and reported in `tornTail`; damage with intact records after it throws
   * `JournalDamagedError` and leaves the file as it is.
   */
  static async open(file: string): Promise<{
    journal: Journal;
    records: JournalRecord[];
    tornTail?: { offset: number; bytes: number };
  }> {
    const data = readFile(file);
    const scan = scanJournal(data);
    if (scan.damage) throw new JournalDamagedError(file, { ...scan, damage: scan.damage });
    let tornTail: { offset: number; bytes: number } | undefined;
    if (scan.end < data.length) {
      fs.truncateSync(file, scan.end);
      tornTail = { offset: scan.end, bytes: data.length - scan.end };
    }
    const { records } = scan;
    const handle = await fs.promises.open(file, 'a', 0o600);
    const journal = new Journal(file, handle, records.length === 0 ? 1 : records[records.length - 1].seq + 1);
    return { journal, records, tornTail };
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

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw e;
  }
}

/** The record framed at `offset`, or undefined when its length, checksum or header does not hold. */
function recordAt(data: Buffer, offset: number): { record: JournalRecord; next: number } | undefined {
  if (offset + 8 > data.length) return undefined;
  const length = data.readUInt32BE(offset);
  if (length < 4 || offset + 8 + length > data.length) return undefined;
  const payload = data.subarray(offset + 8, offset + 8 + length);
  if (crc32(payload) !== data.readUInt32BE(offset + 4)) return undefined;
  const headerLength = payload.readUInt32BE(0);
  if (headerLength > length - 4) return undefined;
  let header: Omit<JournalRecord, 'body'>;
  try {
    header = JSON.parse(payload.subarray(4, 4 + headerLength).toString('utf8')) as typeof header;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(header.seq)) return undefined;
  return {
    record: { ...header, body: Buffer.from(payload.subarray(4 + headerLength)) },
    next: offset + 8 + length,
  };
}

/** Every header starts so (`seq` is written first), which finds where later records could begin. */
const HEADER_START = Buffer.from('{"seq":');

/** Reads the unbroken run of records from the start and tells a torn tail from damage in the middle. */
export function scanJournal(data: Buffer): JournalScan {
  const records: JournalRecord[] = [];
  let offset = 0;
  for (let at = recordAt(data, 0); at; at = recordAt(data, offset)) {
    records.push(at.record);
    offset = at.next;
  }
  if (offset >= data.length) return { records, end: offset };
  // Is anything intact after the bad spot? A crash tears only the last record, so an intact record
  // after it means the bad bytes were acknowledged data, damaged since.
  for (
    let mark = data.indexOf(HEADER_START, offset + 12);
    mark >= 0;
    mark = data.indexOf(HEADER_START, mark + 1)
  ) {
    let next = mark - 12;
    let intactAfter = 0;
    for (let at = recordAt(data, next); at; at = recordAt(data, next)) {
      intactAfter++;
      next = at.next;
    }
    if (intactAfter > 0) return { records, end: offset, damage: { offset, intactAfter } };
  }
  return { records, end: offset };
}

/**
 * The way out of a damaged journal, on the user's word: keeps the whole file as
 * `journal.damaged-<time>` and cuts the journal before the damaged record, so the next start replays
 * the records before it. The cloud must be stopped. Returns what was kept, or undefined when the
 * journal has no damage.
 */
export function cutDamagedJournal(
  file: string,
): { kept: number; lost: number; offset: number; copy: string } | undefined {
  const data = readFile(file);
  const scan = scanJournal(data);
  if (!scan.damage) return undefined;
  const copy = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  fs.copyFileSync(file, copy, fs.constants.COPYFILE_EXCL);
  fs.chmodSync(copy, 0o600);
  fs.truncateSync(file, scan.damage.offset);
  return { kept: scan.records.length, lost: scan.damage.intactAfter, offset: scan.damage.offset, copy };
}
