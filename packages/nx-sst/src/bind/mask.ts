import { StringDecoder } from 'node:string_decoder';

/** Values shorter than this are not masked: masking every "1" or "on" would wreck the output and hide nothing. */
export const MIN_MASKED_LENGTH = 4;
export const MASK = '*****';

/** What inspectors print where they cut a long string (chai/loupe in Vitest, util.inspect). */
const TRUNCATION = '…';

/**
 * Replaces secret values in a stream of text. Matching looks through terminal escape sequences (ANSI
 * colours and the like): Jest and Vitest diffs, coloured because Nx sets FORCE_COLOR for its tasks,
 * print `tok_\x1b[7mchanged_999\x1b[27m`, which holds the secret `tok_changed_999` with an inverse-video
 * code inside it. The secret's characters become `*****`; the codes inside it are kept after the mask,
 * so the colours of the rest of the output do not change.
 *
 * A chunk that ends with the beginning of a secret (or in the middle of an escape sequence) is held back
 * until the next chunk shows whether the secret follows, so a value split across two writes is still
 * masked. Held text is released on `flush()` (end of stream, or when the child has been quiet for a
 * moment).
 *
 * Also masked: the JSON-escaped and single-quote-escaped forms of a value (logged objects, Jest's and
 * Vitest's printed strings), each line of a multi-line value, and a prefix of a value cut short by `…`
 * (Vitest truncates long strings in assertion messages). Not masked: a value broken across lines by a
 * reporter that wraps long lines.
 */
export class SecretMasker {
  private readonly secrets: string[];
  private readonly firstChars: Set<string>;
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(values: Iterable<string>) {
    const unique = new Set<string>();
    for (const value of values) {
      if (value.length < MIN_MASKED_LENGTH) continue;
      for (const form of [value, jsonEscaped(value), quoteEscaped(value)]) {
        unique.add(form);
        for (const line of form.split(/\r?\n/)) if (line.length >= MIN_MASKED_LENGTH) unique.add(line);
      }
    }
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...unique].sort((a, b) => b.length - a.length);
    this.firstChars = new Set(this.secrets.map((s) => s[0]));
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** Masks what can be decided now and returns it; keeps a possible secret prefix for later. */
  write(chunk: Buffer | string): string {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const { masked, tailStart } = this.mask(text, false);
    this.pending = text.slice(tailStart);
    return masked;
  }

  /** Masks and returns everything held back; call at the end of the stream. */
  flush(): string {
    const text = this.pending + this.decoder.end();
    this.pending = '';
    return this.mask(text, true).masked;
  }

  private mask(text: string, final: boolean): { masked: string; tailStart: number } {
    const { visible, rawIndex, end } = scan(text, final);
    const raw = (k: number) => (k < visible.length ? (rawIndex ? rawIndex[k] : k) : end);
    let out = '';
    let emittedTo = 0;
    const replace = (from: number, length: number) => {
      const rawStart = raw(from);
      const rawEnd = raw(from + length - 1) + 1;
      out += text.slice(emittedTo, rawStart) + MASK + escapesIn(text.slice(rawStart, rawEnd));
      emittedTo = rawEnd;
    };
    let ellipsis = visible.indexOf(TRUNCATION);
    let i = 0;
    while (i < visible.length) {
      if (!this.firstChars.has(visible[i])) {
        i++;
        continue;
      }
      if (ellipsis !== -1 && ellipsis < i) ellipsis = visible.indexOf(TRUNCATION, i);
      const rest = visible.length - i;
      let whole: string | undefined;
      let truncated = 0;
      let undecided = false;
      for (const secret of this.secrets) {
        if (visible.startsWith(secret, i)) {
          whole ??= secret;
        } else if (rest < secret.length && secret.startsWith(visible.slice(i))) {
          // The text ends inside this secret: the next chunk decides.
          undecided = true;
        } else if (ellipsis !== -1) {
          const cut = ellipsis - i;
          if (
            cut >= MIN_MASKED_LENGTH &&
            cut < secret.length &&
            visible.startsWith(secret.slice(0, cut), i)
          ) {
            truncated = Math.max(truncated, cut);
          }
        }
      }
      // Wait for more text while a secret (longer than any found here) may still follow.
      if (undecided && !final) {
        return { masked: out + text.slice(emittedTo, raw(i)), tailStart: raw(i) };
      }
      const length = whole?.length ?? truncated;
      if (length > 0) {
        replace(i, length);
        i += length;
      } else {
        i++;
      }
    }
    return { masked: out + text.slice(emittedTo, end), tailStart: end };
  }
}

/** A masker for `values`: `write(chunk)` returns what can be shown now, `flush()` the rest at the end. */
export function createMasker(values: Iterable<string>): SecretMasker {
  return new SecretMasker(values);
}

/**
 * The text without its escape sequences, where each visible character sits in `text`, and where a
 * sequence left unfinished by the end of the chunk starts (`end`, else the text's length).
 */
function scan(text: string, final: boolean): { visible: string; rawIndex?: Int32Array; end: number } {
  // eslint-disable-next-line no-control-regex
  const escape = /[\x1b\x9b]/g;
  if (!escape.test(text)) return { visible: text, end: text.length };
  const parts: string[] = [];
  const rawIndex = new Int32Array(text.length);
  let count = 0;
  let from = 0;
  escape.lastIndex = 0;
  for (let match = escape.exec(text); ; match = escape.exec(text)) {
    const at = match ? match.index : text.length;
    // The visible run before the next ESC.
    if (at > from) {
      parts.push(text.slice(from, at));
      for (let k = from; k < at; k++) rawIndex[count++] = k;
    }
    if (!match) return { visible: parts.join(''), rawIndex, end: text.length };
    const length = escapeLength(text, at);
    if (length === INCOMPLETE && !final) return { visible: parts.join(''), rawIndex, end: at };
    if (length > 0) {
      from = at + length;
    } else {
      // Not a sequence: the ESC is shown as it is.
      parts.push(text[at]);
      rawIndex[count++] = at;
      from = at + 1;
    }
    escape.lastIndex = from;
  }
}

/** The escape sequences of a stretch of text, in order, without the visible characters between them. */
function escapesIn(text: string): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const length = escapeLength(text, i);
    if (length > 0) {
      out += text.slice(i, i + length);
      i += length;
    } else {
      i++;
    }
  }
  return out;
}

const INCOMPLETE = -1;
/** Longest control sequence (CSI) we wait for; real ones (colours, cursor moves) are a few bytes. */
const MAX_CSI = 64;
/** Longest control string (OSC, e.g. an OSC 8 hyperlink, DCS…) we wait for. */
const MAX_STRING = 4096;

/**
 * The length of the ECMA-48 escape sequence starting at `i`: CSI (`ESC [` or 0x9B, parameters,
 * intermediates, a final byte: SGR colours, cursor moves), control strings (`ESC ]`, `ESC P`, `ESC X`,
 * `ESC ^`, `ESC _`, ended by BEL or `ESC \`: hyperlinks, titles) and `ESC` + intermediates + final
 * (`ESC ( B`). 0 when there is none (or it is malformed: the ESC is then shown as
 * it is), INCOMPLETE when the text ends before the sequence does.
 */
function escapeLength(text: string, i: number): number {
  const c = text[i];
  if (c !== '\x1b' && c !== '\x9b') return 0;
  if (c === '\x9b') return csiLength(text, i, i + 1);
  if (i + 1 >= text.length) return INCOMPLETE;
  const next = text[i + 1];
  if (next === '[') return csiLength(text, i, i + 2);
  if (next === ']' || next === 'P' || next === 'X' || next === '^' || next === '_') {
    for (let j = i + 2; j < text.length && j - i <= MAX_STRING; j++) {
      if (text[j] === '\x07') return j + 1 - i;
      if (text[j] === '\x1b') return text[j + 1] === '\\' ? j + 2 - i : j + 1 >= text.length ? INCOMPLETE : 0;
    }
    return text.length - i <= MAX_STRING ? INCOMPLETE : 0;
  }
  // `ESC ( B` and the like. Two-byte forms (`ESC 7`, `ESC c`) are left visible: taking the character after
  // a stray ESC for part of a sequence would hide the first character of a secret that follows it.
  let j = i + 1;
  while (j < text.length && inRange(text, j, 0x20, 0x2f)) j++;
  if (j === i + 1) return 0;
  if (j >= text.length) return j - i <= MAX_CSI ? INCOMPLETE : 0;
  return inRange(text, j, 0x30, 0x7e) ? j + 1 - i : 0;
}

function csiLength(text: string, start: number, from: number): number {
  let j = from;
  while (j < text.length && inRange(text, j, 0x30, 0x3f)) j++;
  while (j < text.length && inRange(text, j, 0x20, 0x2f)) j++;
  if (j >= text.length) return j - start <= MAX_CSI ? INCOMPLETE : 0;
  return inRange(text, j, 0x40, 0x7e) ? j + 1 - start : 0;
}

function inRange(text: string, i: number, low: number, high: number): boolean {
  const code = text.charCodeAt(i);
  return code >= low && code <= high;
}

/** As inside a JSON string (logged objects). */
function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** As inside a single-quoted string printed by Vitest (chai/loupe) and util.inspect: `\`, `'` and control characters escaped. */
function quoteEscaped(value: string): string {
  const named: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\\'\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\\' || c === "'" ? `\\${c}` : (named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}
