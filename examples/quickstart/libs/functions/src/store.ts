import crypto from 'node:crypto';
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Table } from '@nx-sst/runtime/table';

export interface Note {
  id: string;
  text: string;
  /** how it arrived: straight through the Api, through the inbox queue, or from the digest Cron */
  via: 'api' | 'queue' | 'cron';
  createdAt: string;
}

const dynamo = new DynamoDBClient({});

export async function addNote(text: string, via: Note['via']): Promise<Note> {
  const note: Note = { id: crypto.randomUUID(), text, via, createdAt: new Date().toISOString() };
  await dynamo.send(
    new PutItemCommand({
      TableName: Table.notes.tableName,
      Item: {
        id: { S: note.id },
        text: { S: note.text },
        via: { S: note.via },
        createdAt: { S: note.createdAt },
      },
    }),
  );
  return note;
}

/** Every note, oldest first (a demo's table is small enough for one Scan page). */
export async function listNotes(): Promise<Note[]> {
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: Table.notes.tableName }));
  return Items.map((item) => ({
    id: item.id.S!,
    text: item.text.S!,
    via: item.via.S as Note['via'],
    createdAt: item.createdAt.S!,
  })).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
