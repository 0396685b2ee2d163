// Bench worker with only the Cloudflare Workflows side (`node bench/run.ts --side=cf`):
// usable while our engine (src/) does not build.
import { benchFetch, type BenchEnv } from "./routes.ts";

export { BenchChainWorkflow } from "./cf.ts";

export default {
  fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    return benchFetch(request, env, ctx, undefined);
  },
};
