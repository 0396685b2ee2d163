// Tools of the example agents. They stand in for real APIs (weather, billing, help center) with
// deterministic data, so the examples run offline; swap the handlers for real calls.
import { z } from "zod";
import { createTool } from "stepwise";

const CONDITIONS = ["sunny", "partly cloudy", "overcast", "light rain", "windy", "foggy"] as const;

/** A number in [0, n) that depends only on `text`. */
function stable(text: string, n: number): number {
  let h = 0;
  for (const ch of text.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % n;
}

export const getWeather = createTool({
  description: "Get the current weather for a city",
  args: z.object({ city: z.string().min(1).max(100).describe("The city, e.g. Paris") }),
  handler: (_ctx, { city }) => ({
    city,
    temperatureC: 4 + stable(city, 24),
    conditions: CONDITIONS[stable(`${city}/sky`, CONDITIONS.length)]!,
  }),
});

export const lookupInvoice = createTool({
  description: "Look up an invoice of the customer by id (or the latest one)",
  args: z.object({ invoiceId: z.string().max(50).describe("The invoice id, e.g. INV-1042") }),
  handler: (_ctx, { invoiceId }) => ({
    invoiceId,
    amountEur: 20 + stable(invoiceId, 180),
    status: stable(invoiceId, 3) === 0 ? "overdue" : "paid",
  }),
});

export const searchHelpCenter = createTool({
  description: "Search the help center for articles that answer a question",
  args: z.object({ query: z.string().min(1).max(500) }),
  handler: (_ctx, { query }) => ({
    articles: [{ title: `Troubleshooting: ${query.slice(0, 60)}`, url: `https://help.example.com/a/${stable(query, 9000) + 1000}` }],
  }),
});
