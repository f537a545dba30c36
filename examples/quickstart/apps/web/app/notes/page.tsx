import { Api } from '@nx-sst/runtime/api';
import { NoteForm } from './note-form';

// Read from the Api on each request: the notes change behind the page's back (the queue's consumer).
export const dynamic = 'force-dynamic';

interface Note {
  id: string;
  text: string;
  via: 'api' | 'queue' | 'cron';
}

const VIA = { api: 'through the Api', queue: 'through the inbox queue', cron: 'by the digest Cron' };

export default async function Notes() {
  const response = await fetch(`${Api.api.url}/notes`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET ${Api.api.url}/notes answered ${response.status}`);
  const { notes } = (await response.json()) as { notes: Note[] };

  return (
    <main>
      <h1>Notes</h1>
      <p>
        Api: <code id="api">{Api.api.url}</code>
      </p>
      <ul id="notes">
        {notes.map((note) => (
          <li key={note.id}>
            {note.text} <small>({VIA[note.via]})</small>
          </li>
        ))}
      </ul>
      <NoteForm apiUrl={Api.api.url} />
    </main>
  );
}
