// Server-Sent Events split into frames as chunks arrive: frames cut anywhere, CRLF line ends, comments,
// and a data field over several lines.
import { describe, expect, it } from "vitest";
import { SseFrames } from "../../src/cli/event-stream.ts";

describe("SseFrames", () => {
  it("yields each complete frame's data, however the text is cut", () => {
    const text = ': stream of run events\n\nid: 1\nevent: run.started\ndata: {"seq":1}\n\nid: 2\ndata: {"seq":2}\n\n';
    for (const cut of [1, 7, 30, text.length]) {
      const frames = new SseFrames();
      const got: string[] = [];
      for (let i = 0; i < text.length; i += cut) got.push(...frames.push(text.slice(i, i + cut)));
      expect(got).toEqual(['{"seq":1}', '{"seq":2}']);
    }
  });

  it("reads CRLF line ends, data without a space and data over several lines", () => {
    const frames = new SseFrames();
    expect(frames.push("data:one\r\ndata: two\r\n\r\ndata: three\n")).toEqual(["one\ntwo"]);
    expect(frames.push("\n")).toEqual(["three"]);
  });
});
