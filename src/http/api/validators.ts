// Hono validators over zod: typed inputs for the routes (and for `hc` clients), failures as
// problem+json through StepwiseError. A JSON body is read whatever its content type says.
import type { Context } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import { parseWith } from "../validate.ts";
import { StepwiseError } from "../../engine/index.ts";

export const jsonBody = <S extends z.ZodType>(schema: S) =>
  validator("json", async (value, c: Context): Promise<z.output<S>> => {
    // Hono parsed it when the content type said JSON; otherwise read it ourselves (curl -d sends form type).
    const raw = c.req.header("content-type")?.includes("json") ? value : await readJson(c);
    return parseWith(schema, raw, "the request body is invalid");
  });

export const query = <S extends z.ZodType>(schema: S) => validator("query", (value): z.output<S> => parseWith(schema, value, "invalid query"));

export const params = <S extends z.ZodType>(schema: S) => validator("param", (value): z.output<S> => parseWith(schema, value, "invalid path"));

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new StepwiseError("request.malformed_json", "the request body is not valid JSON");
  }
}
