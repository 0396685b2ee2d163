// How an Agent call on a thread streams its answer: it opens the answer's stream before calling the
// model and ends it after the answer is saved, so any client on the thread can follow it live.
import { modelName } from "../models/select-model.ts";
import type { StepSaver, Turn } from "../agent-turn.ts";
import { AnswerStream } from "./answer-stream.ts";

/**
 * The turn's answer stream, or null for a call outside a thread. A step's call is a "step" producer
 * (its retry replaces a cut-off stream); any other call is a "call" producer.
 */
export async function openAnswer(turn: Turn, agentName: string, streamId: string | undefined): Promise<AnswerStream | null> {
  if (turn.threadId === undefined || turn.promptMessageId === undefined) return null;
  const name = modelName(turn.model);
  return AnswerStream.open(turn.env, turn.threadId, {
    ...(streamId === undefined ? {} : { streamId }),
    producer: turn.durable ? "step" : "call",
    agentName,
    promptMessageId: turn.promptMessageId,
    answerId: turn.answerId,
    runId: turn.runId ?? null,
    model: name.model,
    provider: name.provider,
  });
}

/**
 * Runs a turn's model call and ends its stream with the outcome: completed once `call` returned (the
 * answer is saved); aborted when a client stopped a call that nothing retries; failed otherwise.
 * Saves still running finish first, so the thread never saves a partial step twice.
 */
export async function answering<R>(answer: AnswerStream | null, turn: Turn, saver: StepSaver, call: () => Promise<R>): Promise<R> {
  let result: R;
  try {
    result = await call();
  } catch (err) {
    if (answer !== null) {
      await saver.idle();
      const stopped = turn.signal?.aborted ?? false;
      await answer.end(stopped && !turn.durable ? "aborted" : "failed", err);
    }
    throw err;
  }
  await answer?.end("completed");
  return result;
}
