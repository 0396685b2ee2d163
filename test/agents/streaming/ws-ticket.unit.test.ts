// Tickets: signed for one thread, for a minute; refused when missing, tampered, expired or for another thread.
import { describe, expect, it } from "vitest";
import { signTicket, TICKET_TTL_MS, verifyTicket } from "../../../src/agents/streaming/ws-ticket.ts";

const secret = "s3cret-token";
const threadId = `thread_${"0".repeat(32)}`;
const now = 1_800_000_000_000;

async function refusal(ticket: string | null, opts: { threadId?: string; now?: number; secret?: string } = {}): Promise<string> {
  try {
    await verifyTicket({ secret: opts.secret ?? secret, ticket, threadId: opts.threadId ?? threadId, now: opts.now ?? now });
    return "accepted";
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe("ws tickets", () => {
  it("a fresh ticket opens its thread until it expires", async () => {
    const { ticket, expiresAt } = await signTicket({ secret, threadId, now });
    expect(expiresAt).toBe(now + TICKET_TTL_MS);
    expect(await refusal(ticket)).toBe("accepted");
    expect(await refusal(ticket, { now: expiresAt - 1 })).toBe("accepted");
    expect(await refusal(ticket, { now: expiresAt })).toBe("ticket.expired");
  });

  it("is refused when missing, tampered, signed with another secret, or for another thread", async () => {
    const { ticket } = await signTicket({ secret, threadId, now });
    const [body, sig] = ticket.split(".");
    const otherBody = btoa(JSON.stringify({ v: 1, thread: threadId, exp: now + 10 ** 9, nonce: "abcdefgh" })).replace(/=+$/, "");
    expect(await refusal(null)).toBe("ticket.missing");
    expect(await refusal("")).toBe("ticket.missing");
    expect(await refusal(`${otherBody}.${sig}`)).toBe("ticket.invalid");
    expect(await refusal(`${body}.${sig}x`)).toBe("ticket.invalid");
    expect(await refusal(`${body}.${sig}.more`)).toBe("ticket.invalid");
    expect(await refusal(ticket, { secret: "another" })).toBe("ticket.invalid");
    expect(await refusal(ticket, { threadId: `thread_${"1".repeat(32)}` })).toBe("ticket.wrong_thread");
  });
});
