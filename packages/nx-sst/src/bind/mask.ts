import { StringDecoder } from 'node:string_decoder';

/** Values shorter than this are not masked: masking every "1" or "on" would wreck the output and hide nothing. */
export const MIN_MASKED_LENGTH = 4;
export const MASK = '*****';

/**
 * Replaces secret values in a stream of text. A chunk that ends with the beginning of a secret is
 * held back until the next chunk shows whether the secret follows, so a value split across two
 * writes is still masked. Held text is released on `flush()` (end of stream, or when the child has
 * been quiet for a moment).
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
      unique.add(value);
      // Values often reappear JSON-escaped (logged objects) or on one line each.
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) unique.add(escaped);
      for (const line of value.split(/\r?\n/)) if (line.length >= MIN_MASKED_LENGTH) unique.add(line);
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
    const { masked, tailStart } = this.mask(text);
    this.pending = text.slice(tailStart);
    return masked;
  }

  flush(): string {
    const text = this.pending + this.decoder.end();
    this.pending = '';
    return this.replaceAll(text);
  }

  private mask(text: string): { masked: string; tailStart: number } {
    let out = '';
    let i = 0;
    let emittedTo = 0;
    while (i < text.length) {
      if (!this.firstChars.has(text[i])) {
        i++;
        continue;
      }
      const secret = this.secrets.find((s) => text.startsWith(s, i));
      if (secret) {
        out += text.slice(emittedTo, i) + MASK;
        i += secret.length;
        emittedTo = i;
        continue;
      }
      // A secret may start here but run past the end of this chunk: hold everything from here on.
      const rest = text.length - i;
      if (this.secrets.some((s) => s.length > rest && s.startsWith(text.slice(i)))) {
        return { masked: out + text.slice(emittedTo, i), tailStart: i };
      }
      i++;
    }
    return { masked: out + text.slice(emittedTo), tailStart: text.length };
  }

  private replaceAll(text: string): string {
    for (const s of this.secrets) text = text.split(s).join(MASK);
    return text;
  }
}
