'use client';

import { useState, type FormEvent } from 'react';

export function Upload({ url, objectKey }: { url: string; objectKey: string }) {
  const [status, setStatus] = useState('');

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get('file');
    if (!(file instanceof File) || file.size === 0) return setStatus('Choose a file first');
    const response = await fetch(url, { method: 'PUT', body: file });
    setStatus(response.ok ? `Uploaded as ${objectKey}` : `Upload failed: ${response.status}`);
  }

  return (
    <form onSubmit={upload}>
      <input name="file" type="file" />
      <button type="submit">Upload</button>
      <p role="status">{status}</p>
    </form>
  );
}
