import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ApiGatewayV2Event } from '@nx-sst/runtime/api';
import { Queue } from '@nx-sst/runtime/queue';
import { addNote, listNotes } from './store';

const sqs = new SQSClient({});

/** `GET /notes` */
export async function list() {
  return { notes: await listNotes() };
}

/** `POST /notes` with `{ "text": "…" }`: written to the table now. */
export async function create(event: ApiGatewayV2Event) {
  const text = readText(event);
  if (!text) return badRequest();
  return { statusCode: 201, body: JSON.stringify(await addNote(text, 'api')) };
}

/** `POST /notes/later` with `{ "text": "…" }`: sent to the inbox queue; its consumer writes it. */
export async function later(event: ApiGatewayV2Event) {
  const text = readText(event);
  if (!text) return badRequest();
  const { MessageId } = await sqs.send(
    new SendMessageCommand({ QueueUrl: Queue.inbox.queueUrl, MessageBody: text }),
  );
  return { statusCode: 202, body: JSON.stringify({ messageId: MessageId }) };
}

function readText(event: ApiGatewayV2Event): string | undefined {
  try {
    const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : event.body;
    const { text } = JSON.parse(body ?? '{}') as { text?: unknown };
    return typeof text === 'string' && text.trim() ? text.trim() : undefined;
  } catch {
    return undefined;
  }
}

function badRequest() {
  return { statusCode: 400, body: JSON.stringify({ message: 'Send JSON with a non-empty "text".' }) };
}
