// The parts of a start's storage work that the floor's StartWorkObject can leave out, one at a time, to
// see what each costs: shared by the bench Worker (bench/floor.ts) and the bench itself (bench/run.ts).

export const START_PARTS = ["alarm", "index", "schema"] as const;
export type StartPart = (typeof START_PARTS)[number];
