// The NFA form of a parsed regular expression: syntax tree type, instructions, and Thompson construction.

/** One instruction of the NFA program; `next`/`a`/`b` are indexes into the program. */
export type Inst =
  | { readonly op: 'char'; readonly test: (cp: number) => boolean; readonly next: number }
  | { readonly op: 'split'; readonly a: number; readonly b: number }
  | { readonly op: 'assert'; readonly kind: AssertKind; readonly next: number }
  | { readonly op: 'match' };

export type AssertKind = 'begin' | 'end' | 'word-boundary' | 'not-word-boundary';

export interface Program {
  readonly insts: readonly Inst[];
  readonly start: number;
}

/** Syntax tree of a parsed expression; `repeat.counted` marks `{n,m}` forms (Go limits their nesting). */
export type RegexNode =
  | { t: 'char'; test: (cp: number) => boolean }
  | { t: 'assert'; kind: AssertKind }
  | { t: 'cat'; items: RegexNode[] }
  | { t: 'alt'; items: RegexNode[] }
  | { t: 'repeat'; min: number; max: number; counted?: boolean; sub: RegexNode };

/** Go's repeatIsValid: nested counted repetitions may multiply to at most `n`. */
export function repeatSizeValid(node: RegexNode, n: number): boolean {
  if (node.t === 'repeat' && node.counted === true) {
    const m = node.max === Infinity ? node.min : node.max;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  const subs = node.t === 'repeat' ? [node.sub] : node.t === 'cat' || node.t === 'alt' ? node.items : [];
  return subs.every((sub) => repeatSizeValid(sub, n));
}

/** Builds the NFA for a node backwards from its continuation `next`; returns its entry point. */
function emit(node: RegexNode, next: number, insts: Inst[]): number {
  const push = (inst: Inst): number => insts.push(inst) - 1;
  switch (node.t) {
    case 'char':
      return push({ op: 'char', test: node.test, next });
    case 'assert':
      return push({ op: 'assert', kind: node.kind, next });
    case 'cat':
      return node.items.reduceRight((cont, item) => emit(item, cont, insts), next);
    case 'alt': {
      const entries = node.items.map((item) => emit(item, next, insts));
      return entries.reduceRight((b, a) => push({ op: 'split', a, b }));
    }
    case 'repeat': {
      // Optional tail first (built backwards): x{n,m} = n copies, then m-n optional copies or a loop.
      let cont = next;
      if (node.max === Infinity) {
        const loop = push({ op: 'split', a: -1, b: cont });
        insts[loop] = { op: 'split', a: emit(node.sub, loop, insts), b: cont };
        cont = loop;
      } else {
        for (let i = node.min; i < node.max; i++) cont = push({ op: 'split', a: emit(node.sub, cont, insts), b: cont });
      }
      for (let i = 0; i < node.min; i++) cont = emit(node.sub, cont, insts);
      return cont;
    }
  }
}

/** Builds the program for a syntax tree; instruction 0 is `match`. */
export function buildProgram(tree: RegexNode): Program {
  const insts: Inst[] = [{ op: 'match' }];
  const start = emit(tree, 0, insts);
  return { insts, start };
}
