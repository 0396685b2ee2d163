// Reading a run's Server-Sent Events in in-runtime tests: each frame's `id:` checked against its event's seq.
import { expect } from "vitest";

export type Ev = { seq: number; type: string; data: Record<string, unknown> };

/** Reads `count` events from an SSE response, then disconnects. */
export async function readSse(res: Response, count: number): Promise<Ev[]> {
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Ev[] = [];
  let buffer = "";
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0 && events.length < count) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (id === undefined || data === undefined) continue;
      const event = JSON.parse(data) as Ev;
      expect(event.seq).toBe(Number(id));
      events.push(event);
    }
  }
  await reader.cancel();
  return events;
}
