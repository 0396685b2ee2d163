// The seed's validators, `v.string()`, `v.id("users")`, `v.optional(...)`, as zod schemas: whatever
// takes a zod schema in Stepwise takes these, and `args: { ... }` objects of them become z.object.
import { z } from "zod";

/** A document id of `Table`: a string at run time, branded by its table in types (`Id<"users">`). */
export type Id<Table extends string> = string & { readonly __tableName: Table };
export type GenericId<Table extends string> = Id<Table>;

type Members = readonly [z.ZodType, ...z.ZodType[]];

/**
 * @example
 * export const send = internalMutation({
 *   args: { userId: v.id("users"), message: v.string(), urgent: v.optional(v.boolean()) },
 *   handler: async (ctx, { userId, message }) => { ... },
 * });
 */
export const v = {
  string: () => z.string(),
  number: () => z.number(),
  float64: () => z.number(),
  /** A bigint. It cannot cross a step or the API as JSON: keep it inside one function. */
  int64: () => z.bigint(),
  boolean: () => z.boolean(),
  null: () => z.null(),
  any: () => z.any(),
  bytes: () => z.instanceof(ArrayBuffer),
  // SAFETY: an id is a non-empty string; the brand exists only in types, to keep ids of tables apart.
  id: <Table extends string>(_table: Table) => z.string().min(1) as unknown as z.ZodType<Id<Table>, string>,
  literal: <T extends string | number | boolean>(value: T) => z.literal(value),
  array: <T extends z.ZodType>(item: T) => z.array(item),
  object: <Shape extends Record<string, z.ZodType>>(shape: Shape) => z.object(shape),
  record: <K extends z.ZodType<string, string>, V extends z.ZodType>(keys: K, values: V) => z.record(keys, values),
  // SAFETY: z.union needs two members; one member is that member, which is the same set of values.
  union: <T extends Members>(...members: T): z.ZodType<z.output<T[number]>, z.input<T[number]>> =>
    (members.length === 1 ? members[0] : z.union(members as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])) as z.ZodType<
      z.output<T[number]>,
      z.input<T[number]>
    >,
  optional: <T extends z.ZodType>(inner: T) => inner.optional(),
  nullable: <T extends z.ZodType>(inner: T) => inner.nullable(),
};

/** The type a validator accepts (`Infer<typeof user>`). */
export type Infer<T extends z.ZodType> = z.output<T>;

/** What `args` may be in the seed's spelling: an object of validators, or one validator. */
export type ArgsSpec = Readonly<Record<string, z.ZodType>> | z.ZodType;

/** The handler's args for an `args` spec; `any` when there is none (the seed lets args go unvalidated). */
export type ArgsOf<A> = [A] extends [undefined]
  ? any
  : A extends z.ZodType
    ? z.output<A>
    : A extends Record<string, z.ZodType>
      ? z.output<z.ZodObject<A>>
      : any;

/** The schema of an `args` spec: z.object of the validators, the validator itself, or anything. */
export function argsSchema(spec: ArgsSpec | undefined): z.ZodType {
  if (spec === undefined) return z.any();
  if (spec instanceof z.ZodType) return spec;
  return z.object(spec);
}
