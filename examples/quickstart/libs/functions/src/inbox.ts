import { addNote } from './store';

interface SqsEvent {
  Records: { messageId: string; body: string }[];
}

/**
 * The inbox queue's consumer: each message becomes a note. A message whose text is "poison" fails on
 * purpose, alone (ReportBatchItemFailures): it is received again after the visibility timeout, and
 * the queue's redrive policy then moves it to the dead-letter queue `inboxDlq`.
 */
export async function consumer(event: SqsEvent) {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    if (record.body === 'poison') {
      console.error(`message ${record.messageId} is poison`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    } else {
      await addNote(record.body, 'queue');
    }
  }
  return { batchItemFailures };
}
