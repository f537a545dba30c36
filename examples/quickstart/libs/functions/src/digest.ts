import { addNote, listNotes } from './store';

/** The digest Cron's job: a note that counts the notes so far; answers the count. */
export async function handler() {
  const count = (await listNotes()).filter((note) => note.via !== 'cron').length;
  await addNote(`Digest: ${count} notes`, 'cron');
  return { count };
}
