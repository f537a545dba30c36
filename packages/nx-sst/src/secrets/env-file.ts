import { NxSstError } from '../core/errors';

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses a `.env` file with dotenv's rules (`KEY=value`, `export KEY=value`, `#` comments, single,
 * double and backtick quotes, multi-line values in double quotes with `\n` escapes) but, unlike
 * dotenv, refuses lines it cannot read and names their line numbers instead of skipping them.
 */
export function parseEnvFile(content: string, file = '.env'): Map<string, string> {
  const values = new Map<string, string>();
  const errors: string[] = [];
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      // The line itself is not echoed: in a secrets file it may well be a secret.
      errors.push(`line ${lineNo}: expected KEY=value`);
      continue;
    }
    const key = match[1];
    if (!KEY.test(key)) {
      errors.push(`line ${lineNo}: ${JSON.stringify(key)} is not a valid name`);
      continue;
    }
    let rest = match[2];
    const quote = rest[0];
    let value: string;
    if (quote === '"' || quote === "'" || quote === '`') {
      // The value may run over several lines until its closing quote.
      let body = rest.slice(1);
      let end = closingQuote(body, quote);
      const start = lineNo;
      while (end < 0 && i + 1 < lines.length) {
        i++;
        body += '\n' + lines[i];
        end = closingQuote(body, quote);
      }
      if (end < 0) {
        errors.push(`line ${start}: the value of ${key} opens a ${quote} quote that is never closed`);
        continue;
      }
      const after = body.slice(end + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        errors.push(`line ${i + 1}: unexpected text after the closing quote of ${key}`);
        continue;
      }
      value = body.slice(0, end);
      if (quote === '"') value = value.replace(/\\([nrt"\\])/g, (_, c: string) => ESCAPES[c]);
    } else {
      rest = rest.replace(/\s+#.*$/, '');
      value = rest.trim();
    }
    values.set(key, value);
  }
  if (errors.length) {
    throw new NxSstError(
      `${file} has lines that are not KEY=value:\n  ${errors.join('\n  ')}`,
      'Fix those lines; nothing was set.',
    );
  }
  return values;
}

function closingQuote(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && quote === '"') {
      i++;
      continue;
    }
    if (body[i] === quote) return i;
  }
  return -1;
}
