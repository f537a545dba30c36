import type { LocalLambda } from './functions';

/**
 * The event source mappings moto holds that `keep` accepts, every page of ListEventSourceMappings. A poller looks
 * twice a second, so the list is reused while `version` (the journal's next sequence number, which every write
 * moves) answers the same; without `version` it is asked for each time.
 */
export class EventSourceMappingList<M> {
  private cached?: { version: number; list: M[] };

  constructor(
    private readonly lambda: LocalLambda,
    private readonly version: () => number | undefined,
    private readonly keep: (mapping: M) => boolean = () => true,
  ) {}

  async get(): Promise<M[]> {
    const version = this.version();
    if (version !== undefined && this.cached?.version === version) return this.cached.list;
    const list: M[] = [];
    let marker: string | undefined;
    do {
      const query = marker ? `?Marker=${encodeURIComponent(marker)}` : '';
      const answer = await this.lambda.signed(
        'lambda',
        'GET',
        `/2015-03-31/event-source-mappings/${query}`,
        {},
        Buffer.alloc(0),
      );
      if (answer.status !== 200) throw new Error(`ListEventSourceMappings answered HTTP ${answer.status}`);
      const page = JSON.parse(answer.body.toString('utf8')) as {
        EventSourceMappings?: M[];
        NextMarker?: string;
      };
      list.push(...(page.EventSourceMappings ?? []).filter(this.keep));
      marker = page.NextMarker;
    } while (marker);
    if (version !== undefined) this.cached = { version, list };
    return list;
  }
}
