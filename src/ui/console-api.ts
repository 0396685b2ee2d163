// The pages' reader of the app's API: GETs with the deployment's own token, in-process (no network),
// answering the value or the API's own problem message for the page to show.
export type ApiFetch = (env: Env, path: string) => Promise<Response>;

type Answer<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 500; problem: string };

export class ConsoleApi {
  readonly #fetch: ApiFetch;
  readonly #env: Env;

  constructor(fetch: ApiFetch, env: Env) {
    this.#fetch = fetch;
    this.#env = env;
  }

  async get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<Answer<T>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const q = params.toString();
    const res = await this.#fetch(this.#env, q === "" ? path : `${path}?${q}`);
    const body = (await res.json().catch(() => null)) as { detail?: string; title?: string; code?: string } | null;
    if (res.ok) return { ok: true, value: body as T };
    const status = res.status === 404 ? 404 : res.status >= 500 ? 500 : 400;
    return { ok: false, status, problem: `${body?.detail ?? body?.title ?? `HTTP ${res.status}`}${body?.code ? ` (${body.code})` : ""}` };
  }
}
