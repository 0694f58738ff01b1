// Heredocs as BuildKit's Dockerfile frontend runs them: what a RUN with heredocs executes (a script
// for the shell, or a file run through its `#!` line), and the inline files of COPY/ADD <<EOF.
import type { AddInstruction, CopyInstruction, RunInstruction } from '../dockerfile/instructions/index.ts';
import { expandWord, type EnvLookup } from '../dockerfile/shell/index.ts';
import type { Heredoc } from '../dockerfile/syntax/index.ts';

/** Where BuildKit mounts a shebang heredoc (read-only) and runs it from. */
export const HEREDOC_PIPES = '/dev/pipes';

/** What a shell-form RUN with heredocs runs. */
export type RunHeredoc =
  /** The shell runs `script`. */
  | { kind: 'script'; script: string }
  /** A `#!` heredoc: written as `name` (mode 0755) under HEREDOC_PIPES; the shell runs that path. */
  | { kind: 'file'; name: string; content: string; script: string };

/** `<<-`: leading tabs removed from every line (BuildKit's ChompHeredocContent). */
function chomped(h: Heredoc): string {
  return h.chomp ? h.content.replace(/^\t+/gm, '') : h.content;
}

/** BuildKit's MustParseHeredoc test: the word is one heredoc marker and nothing else. */
const ONLY_HEREDOC = /^\d*<<-?\s*([^<\s'"]+|'[^'<]*'|"[^"<]*")\s*$/;

/**
 * BuildKit's dispatchRun: when the command line is only the heredoc word, the body is the script,
 * or, starting with `#!`, a file the shell executes (so its interpreter runs it); otherwise the body
 * of every heredoc follows the command line for the shell to read, each closed by its terminator.
 * Variables in a RUN heredoc are the shell's business: the frontend never expands them.
 */
export function runHeredoc(inst: RunInstruction): RunHeredoc | undefined {
  if (inst.heredocs.length === 0 || inst.command.form !== 'shell') return undefined;
  const line = inst.command.script;
  const first = inst.heredocs[0]!;
  if (ONLY_HEREDOC.test(line.trim())) {
    const body = chomped(first);
    if (body.startsWith('#!')) return { kind: 'file', name: first.name, content: body, script: `${HEREDOC_PIPES}/${first.name}` };
    return { kind: 'script', script: body };
  }
  return { kind: 'script', script: [line, ...inst.heredocs.map((h) => h.content + h.name)].join('\n') };
}

/** A file a COPY/ADD heredoc creates: its name (the terminator) and content. */
export interface InlineFile {
  name: string;
  content: string;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` naming one of the instruction's heredocs. */
function heredocWord(word: string, names: ReadonlySet<string>): boolean {
  const m = /^<<-?(["']?)(.*)\1$/.exec(word);
  return m !== null && names.has(m[2]!);
}

/**
 * The sources of a COPY/ADD split into paths (still to expand) and inline files. A file's body is
 * expanded unless its terminator was quoted, with quotes left as they are (BuildKit's ExpandRaw:
 * SkipProcessQuotes, escape `\`), and `<<-` tabs stripped first.
 */
export function splitHeredocSources(inst: CopyInstruction | AddInstruction, lookup: EnvLookup): { paths: string[]; files: InlineFile[] } {
  const names = new Set(inst.heredocs.map((h) => h.name));
  const paths = inst.sources.filter((s) => !heredocWord(s, names));
  const files = inst.heredocs.map((h) => {
    const body = chomped(h);
    return { name: h.name, content: h.expand ? expandWord(body, lookup, { escapeToken: '\\', skipQuotes: true }).value : body };
  });
  return { paths, files };
}
