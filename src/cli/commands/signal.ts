// `stepwise signal <runId> <name> [payload-json]`: delivers a signal; a wait with a schema refuses a
// payload that does not match it (exit 1, each failing path printed).
import { send } from "../api.ts";
import { jsonArgument } from "../args.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { arg, type Command, print, stringOption } from "./command.ts";

export const signal: Command = {
  name: "signal",
  summary: "send a signal to a run, with an optional JSON payload",
  positionals: [
    { name: "runId", required: true, description: "the run" },
    { name: "name", required: true, description: "the signal's name" },
    { name: "payload-json", required: false, description: "the payload, as JSON (omitted: no payload)" },
  ],
  options: {
    "idempotency-key": { type: "string", value: "<key>", description: "a repeat with the same key, name and payload is a no-op" },
  },
  example: `stepwise signal run_0123abcd approval '{"approved":true,"by":"ada"}'`,
  async run(ctx, input) {
    const [runId, name, payloadText] = [arg(input, 0), arg(input, 1), input.args[2]];
    const json = payloadText === undefined ? {} : { payload: payloadArgument(payloadText) };
    const key = stringOption(input, "idempotency-key");
    const { body } = await send(
      ctx.conn,
      ctx.api.runs[":runId"].signals[":signal"].$post(
        { param: { runId, signal: name }, json },
        { headers: key === undefined ? {} : { "idempotency-key": key } },
      ),
    );
    print(ctx, body, () => [
      body.duplicate
        ? `Signal "${name}" was sent to ${runId} before with this idempotency key (signal ${body.signalId})`
        : `Sent signal "${name}" to ${runId} (signal ${body.signalId})`,
    ]);
    return EXIT.ok;
  },
};

/** The payload's JSON; null is refused here as the API would (it is what a timed-out wait returns, never a payload). */
function payloadArgument(text: string): NonNullable<unknown> {
  const payload = jsonArgument("payload-json", text);
  if (payload === null || payload === undefined)
    throw new UsageError("payload-json: null is never a payload (it is what a timed-out wait returns); omit it to send none");
  return payload;
}
