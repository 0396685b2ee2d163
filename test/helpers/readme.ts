// The README's fenced blocks, for the tests that check its snippets and run its commands. Pure: the
// markdown in, its fences out.
//
//   const diff = fenceAfter(readme, "**2. Register it.**", "diff");   // the first ```diff block after that text

export interface Fence {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The line before the fence. */
  before: string;
  content: string[];
}

/** Every fenced block of the markdown, in order. */
export function fences(markdown: string): Fence[] {
  const lines = markdown.split("\n");
  const found: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    found.push({ line: i + 1, lang: open[1]!, before: lines[i - 1] ?? "", content: lines.slice(i + 1, end) });
    i = end;
  }
  return found;
}

/** The text of the first ```lang block after the first occurrence of `marker`; throws when there is none. */
export function fenceAfter(markdown: string, marker: string, lang: string): string {
  const at = markdown.indexOf(marker);
  const line = at < 0 ? -1 : markdown.slice(0, at).split("\n").length;
  const fence = fences(markdown).find((f) => f.lang === lang && f.line > line);
  if (at < 0 || fence === undefined) throw new Error(`README: no \`\`\`${lang} block after ${JSON.stringify(marker)}`);
  return fence.content.join("\n");
}
