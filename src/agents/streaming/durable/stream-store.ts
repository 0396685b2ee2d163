// Every SQL statement about answers in flight: their rows and their chunks, in the thread object's
// SQLite. Rows read back are parsed; a push is one transaction. Tables: migration 2 of thread-schema.ts.
import { z } from "zod";
import { StepwiseError } from "../../../engine/index.ts";
import { Sql } from "../../../kernel/index.ts";
import { Producer } from "../stream-rpc.ts";

const StreamRow = z.object({
  ord: z.number(),
  streamId: z.string(),
  producer: Producer,
  agentName: z.string(),
  promptMessageId: z.string(),
  /** Null only for streams opened before answers had ids. */
  answerId: z.string().nullable(),
  runId: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  nextSeq: z.number(),
  startedAt: z.number(),
  updatedAt: z.number(),
});
export type StreamRow = z.output<typeof StreamRow>;

const STREAM_COLUMNS = `ord, stream_id AS streamId, producer, agent_name AS agentName, prompt_message_id AS promptMessageId, answer_id AS answerId, run_id AS runId,
  model, provider, next_seq AS nextSeq, started_at AS startedAt, updated_at AS updatedAt`;

const ChunkRow = z.object({ seq: z.number(), chunk: z.string() });
export type StoredChunk = z.infer<typeof ChunkRow>;

const READ_BATCH = 500;

export class StreamStore {
  readonly #sql: Sql;

  constructor(storage: DurableObjectStorage) {
    this.#sql = new Sql(storage);
  }

  /** Answers in flight, oldest first. */
  active(): StreamRow[] {
    return this.#sql.all(`SELECT ${STREAM_COLUMNS} FROM answer_streams ORDER BY ord`).map((r) => StreamRow.parse(r));
  }

  /** The answer's stream in flight, if any (the newest). */
  ofAnswer(answerId: string): StreamRow | undefined {
    const row = this.#sql.first(`SELECT ${STREAM_COLUMNS} FROM answer_streams WHERE answer_id = ? ORDER BY ord DESC LIMIT 1`, answerId);
    return row === undefined ? undefined : StreamRow.parse(row);
  }

  get(streamId: string): StreamRow | undefined {
    const row = this.#sql.all(`SELECT ${STREAM_COLUMNS} FROM answer_streams WHERE stream_id = ?`, streamId)[0];
    return row === undefined ? undefined : StreamRow.parse(row);
  }

  /** Adds a stream; opening one that exists (the chat registered it first) only fills in its model. */
  insert(s: {
    streamId: string;
    producer: Producer;
    agentName: string;
    promptMessageId: string;
    answerId: string;
    runId: string | null;
    model: string | null;
    provider: string | null;
    now: number;
  }): void {
    this.#sql.exec(
      `INSERT INTO answer_streams (stream_id, producer, agent_name, prompt_message_id, answer_id, run_id, model, provider, started_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET model = excluded.model, provider = excluded.provider`,
      s.streamId,
      s.producer,
      s.agentName,
      s.promptMessageId,
      s.answerId,
      s.runId,
      s.model,
      s.provider,
      s.now,
      s.now,
    );
  }

  /**
   * Stores chunks from sequence `from` on, skipping any already stored (a repeated push); returns the
   * sequences actually added. A push that would leave a gap is refused.
   */
  append(streamId: string, nextSeq: number, from: number, chunks: readonly string[], now: number): { first: number; added: string[] } {
    if (from > nextSeq) throw new StepwiseError("stream.sequence_gap", `chunk ${from} pushed, ${nextSeq} expected`);
    const added = chunks.slice(nextSeq - from);
    if (added.length === 0) return { first: nextSeq, added };
    this.#sql.transaction(() => {
      for (const [i, chunk] of added.entries())
        this.#sql.exec("INSERT INTO answer_chunks (stream_id, seq, chunk) VALUES (?, ?, ?)", streamId, nextSeq + i, chunk);
      this.#sql.exec("UPDATE answer_streams SET next_seq = ?, updated_at = ? WHERE stream_id = ?", nextSeq + added.length, now, streamId);
    });
    return { first: nextSeq, added };
  }

  /** Stored chunks after sequence `after`, in order, read in batches. */
  *chunks(streamId: string, after: number): Generator<StoredChunk> {
    for (let from = after; ; ) {
      const batch = this.#sql
        .all("SELECT seq, chunk FROM answer_chunks WHERE stream_id = ? AND seq > ? ORDER BY seq LIMIT ?", streamId, from, READ_BATCH)
        .map((r) => ChunkRow.parse(r));
      yield* batch;
      if (batch.length < READ_BATCH) return;
      from = batch.at(-1)!.seq;
    }
  }

  delete(streamId: string): void {
    this.#sql.exec("DELETE FROM answer_chunks WHERE stream_id = ?", streamId);
    this.#sql.exec("DELETE FROM answer_streams WHERE stream_id = ?", streamId);
  }

  /** Runs `fn` as one transaction (a stream's end and the message that saves it). */
  transaction<T>(fn: () => T): T {
    return this.#sql.transaction(fn);
  }
}
