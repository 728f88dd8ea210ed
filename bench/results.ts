// bench/RESULTS.md is made of named sections between markers, so that a run of some sections
// rewrites those and keeps the others (the API section's load alone takes minutes).
const ORDER = ['head', 'engine', 'fanout', 'bulk', 'api', 'print', 'tracking', 'dashboard', 'reliability', 'startup'];

const start = (name: string) => `<!-- section:${name} -->`;
const end = (name: string) => `<!-- /section:${name} -->`;

/** `document` with section `name` set to `lines`, sections kept in their usual order. */
export function replaceSection(document: string, name: string, lines: string[]): string {
  const sections = new Map<string, string>();
  for (const known of ORDER) {
    const from = document.indexOf(start(known));
    const to = document.indexOf(end(known));
    if (from >= 0 && to > from) sections.set(known, document.slice(from + start(known).length, to).trim());
  }
  sections.set(name, lines.join('\n').trim());
  return `${ORDER.filter((known) => sections.has(known))
    .map((known) => [start(known), sections.get(known), end(known)].join('\n'))
    .join('\n\n')}\n`;
}
