// `internal` and `api` for the seed port, as Convex's code generation would write them: typed from the
// modules' types (a type-only import, so modules may use them with no import cycle at run time).
import { references } from "stepwise/convex";
import type { modules } from "../modules.ts";

export const { internal, api } = references<typeof modules>();
