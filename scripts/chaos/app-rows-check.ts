// The app data check of the chaos harness: a finished run must have written its rows to the app's D1
// tables exactly once (the mutations' idempotency keys hold across kills and replays), read through the
// test Worker's /test/app-data route.
import { z } from "zod";
import { AppRow } from "./api-shapes.ts";
import { call, type Target } from "./http.ts";
import type { AppRowsPlan } from "./plan.ts";

/** What is wrong with the rows a run wrote to `plan.table`: [] when they are exactly the planned ones. */
export async function appRowsProblems(target: Target, runId: string, plan: AppRowsPlan, result: any): Promise<string[]> {
  const res = await call(target, "GET", `/test/app-data/${plan.table}?run=${encodeURIComponent(runId)}`);
  if (res.status !== 200) return [`GET /test/app-data/${plan.table}: HTTP ${res.status} ${res.text.slice(0, 300)}`];
  const rows = z.array(AppRow).parse(res.json);
  const got = rows.map((r) => ({ id: r.id, text: r.message ?? r.text ?? "" }));
  const want = plan.rows(result);
  const same = got.length === want.length && want.every((w, i) => got[i]!.text === w.text && (w.id === undefined || got[i]!.id === w.id));
  return same ? [] : [`${plan.table} rows of the run: ${JSON.stringify(rows)}, expected exactly ${JSON.stringify(want)}`];
}
