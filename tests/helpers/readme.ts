/**
 * The README's code, as the tests run it. Fenced blocks are read in order; ```js blocks (also
 * `javascript`, `mjs`) are joined into one ES module, as a reader who pastes them top to bottom
 * would run them: their imports merged per module, the rest in order, a marker line after each
 * block. A block whose info string has the word `no-run` (```js no-run) is left out; keep those rare.
 * Shell blocks: every line that starts with `npx modeconn`, in order (again except `no-run` blocks).
 */
import { readFileSync } from 'node:fs';

/** One fenced code block. */
export interface CodeBlock {
  lang: string;
  /** Words after the language in the info string. */
  flags: string[];
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced blocks of a markdown file. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(fence)) body.push(lines[j++]);
    blocks.push({ lang: open[2].toLowerCase(), flags: open[3].split(/\s+/).filter(Boolean), code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

const JS = new Set(['js', 'javascript', 'mjs']);

/** The README's ```js blocks: those to run and those marked `no-run`. */
export function jsBlocks(markdown: string): { run: CodeBlock[]; skipped: CodeBlock[] } {
  const js = codeBlocks(markdown).filter((b) => JS.has(b.lang));
  return { run: js.filter((b) => !b.flags.includes('no-run')), skipped: js.filter((b) => b.flags.includes('no-run')) };
}

const IMPORT = /^import\s+(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*['"]([^'"]+)['"];?[ \t]*(\/\/.*)?$/gm;

/**
 * One module from `blocks`: named and default imports merged per source at the top, the rest of
 * each block in order, each followed by `console.log(marker(i))`.
 */
export function joinBlocks(blocks: CodeBlock[], marker: (index: number) => string): string {
  const named = new Map<string, Set<string>>();
  const defaults = new Map<string, string>();
  const bodies = blocks.map((block, index) => {
    const body = block.code.replace(IMPORT, (_all, def: string | undefined, names: string | undefined, source: string) => {
      const set = named.get(source) ?? new Set<string>();
      named.set(source, set);
      for (const n of (names ?? '').split(',').map((s) => s.trim()).filter(Boolean)) set.add(n);
      if (def) defaults.set(source, def);
      return '';
    });
    if (/^\s*import\s/m.test(body)) throw new Error(`README line ${block.line}: an import the test cannot merge (one line, named or default imports only)`);
    return `// ---- README block at line ${block.line}\n${body.trim()}\nconsole.log(${JSON.stringify(marker(index))});`;
  });
  const imports = [...named.keys()].map((source) => {
    const def = defaults.get(source);
    const names = [...named.get(source)!];
    return `import ${[def, names.length ? `{ ${names.join(', ')} }` : ''].filter(Boolean).join(', ')} from '${source}';`;
  });
  return `${imports.join('\n')}\n\n${bodies.join('\n\n')}\n`;
}

/** The `npx modeconn …` lines of the README's shell blocks (not `no-run` ones), comments removed, in order. */
export function cliLines(markdown: string): string[] {
  return shellBlocks(markdown).run
    .flatMap((b) => b.code.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx modeconn'));
}

/** The README's shell blocks: those to run and those marked `no-run`. */
export function shellBlocks(markdown: string): { run: CodeBlock[]; skipped: CodeBlock[] } {
  const sh = codeBlocks(markdown).filter((b) => b.lang === 'sh' || b.lang === 'bash' || b.lang === 'shell');
  return { run: sh.filter((b) => !b.flags.includes('no-run')), skipped: sh.filter((b) => b.flags.includes('no-run')) };
}

/** README.md of the repository. */
export function readme(): string {
  return readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
}
