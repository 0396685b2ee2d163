// The pools' directory: the name of every pool that has been used, so an operator can list them (pools
// are created at first use, and Durable Objects cannot be enumerated). One WorkpoolQueue instance keeps it.
import { z } from "zod";
import { fail, ok, rpcResult, type RpcResult, Sql } from "../../kernel/index.ts";
import type { WorkpoolNamespace } from "../bindings.ts";
import { POOL_NAME } from "./core/queue.ts";
import type { PoolOverview } from "./rpc.ts";

/** Not a valid pool name (names start with a letter, digit or `_`), so no pool can ever take this object. */
export const POOL_DIRECTORY = "~directory";

const PoolName = z.string().regex(POOL_NAME);

/** The directory's rows, in the storage of the POOL_DIRECTORY instance (table `directory`, migration 2). */
export class PoolDirectory {
  readonly #sql: Sql;

  constructor(storage: DurableObjectStorage) {
    this.#sql = new Sql(storage);
  }

  add(raw: string, now: number): RpcResult<{ added: boolean }> {
    const name = PoolName.safeParse(raw);
    if (!name.success) return fail("request.invalid", "not a pool name");
    const rows = this.#sql.all("INSERT INTO directory (name, listed_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING name", name.data, now);
    return ok({ added: rows.length > 0 });
  }

  has(name: string): RpcResult<{ listed: boolean }> {
    return ok({ listed: this.#sql.first("SELECT name FROM directory WHERE name = ?", String(name)) !== undefined });
  }

  /** In name order. */
  list(): RpcResult<{ names: string[] }> {
    return ok({ names: this.#sql.all("SELECT name FROM directory ORDER BY name").map((r) => String(r.name)) });
  }
}

/**
 * Every pool that has been used, each as its own object reports it now.
 * @example
 * const { pools } = unwrap(await listPools(workpoolNamespace(env)));
 */
export async function listPools(ns: WorkpoolNamespace): Promise<RpcResult<{ pools: PoolOverview[] }>> {
  const listed = await rpcResult<{ names: string[] }>(ns.getByName(POOL_DIRECTORY).directoryList());
  if (!listed.ok) return listed;
  const replies = await Promise.all(listed.value.names.map((name) => rpcResult<PoolOverview>(ns.getByName(name).overview())));
  const pools: PoolOverview[] = [];
  for (const reply of replies) {
    if (!reply.ok) return reply;
    pools.push(reply.value);
  }
  return ok({ pools });
}

/** One pool; `pool.not_found` for a name no pool has used (its object is not created by asking). */
export async function describePool(ns: WorkpoolNamespace, name: string): Promise<RpcResult<PoolOverview>> {
  const listed = await rpcResult<{ listed: boolean }>(ns.getByName(POOL_DIRECTORY).directoryHas(name));
  if (!listed.ok) return listed;
  if (!listed.value.listed) return fail("pool.not_found", `no pool named "${name}" has been used`);
  return rpcResult<PoolOverview>(ns.getByName(name).overview());
}
