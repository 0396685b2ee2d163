// The parts of a start's storage work that the floor's StartWorkObject can leave out, one at a time, to
// see what each costs, and "all" of them at once (the start's rows alone, in four plain tables): shared
// by the bench Worker (bench/floor.ts) and the bench itself (bench/run.ts).

export const START_PARTS = ["alarm", "index", "schema", "all"] as const;
export type StartPart = (typeof START_PARTS)[number];
