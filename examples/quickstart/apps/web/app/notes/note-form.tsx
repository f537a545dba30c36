'use client';

import { useState, type FormEvent } from 'react';

/** Posts straight from the browser to the Api (its CORS allows every origin); reload to see the list. */
export function NoteForm({ apiUrl }: { apiUrl: string }) {
  const [status, setStatus] = useState('');

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const path = form.get('later') ? '/notes/later' : '/notes';
    const response = await fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: form.get('text') }),
    });
    setStatus(response.ok ? `Sent (${response.status}); reload to see it` : `Failed: ${response.status}`);
  }

  return (
    <form onSubmit={send}>
      <input name="text" placeholder="A note" />
      <label>
        <input name="later" type="checkbox" /> through the inbox queue
      </label>
      <button type="submit">Add</button>
      <p role="status">{status}</p>
    </form>
  );
}
