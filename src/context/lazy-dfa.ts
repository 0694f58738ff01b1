// Runs an NFA program as a lazily built DFA: linear time per path, with a bounded transition cache.

import { isWordChar } from './go-char-classes.ts';
import type { AssertKind, Inst, Program } from './nfa.ts';

interface DState {
  /** NFA instructions reached after consuming input (before following empty transitions). */
  readonly kernel: readonly number[];
  readonly atStart: boolean;
  readonly prevWord: boolean;
  readonly next: Map<number, DState | typeof MATCHED | typeof DEAD>;
  acceptsAtEnd?: boolean;
}

const MATCHED = Symbol('matched');
const DEAD = Symbol('dead');
/** Past this many cached states the cache is dropped and rebuilt; memory stays bounded on any input. */
const MAX_STATES = 2048;

interface Context {
  atStart: boolean;
  atEnd: boolean;
  prevWord: boolean;
  nextWord: boolean;
}

/**
 * Go's `regexp.MatchString` semantics: an unanchored search (the program is re-entered at every
 * position; docker's leading `^` makes that a no-op), true as soon as any match completes.
 */
export class LazyDfa {
  private readonly insts: readonly Inst[];
  private readonly entry: number;
  private states = new Map<string, DState>();
  private initial: DState;
  /** For each instruction: can `match` be reached from here once past the start of the text? */
  private readonly live: readonly boolean[];

  constructor(program: Program) {
    this.insts = program.insts;
    this.entry = program.start;
    this.initial = this.intern([], true, false);
    this.live = this.computeLiveness();
  }

  /** Whether the expression matches somewhere in `text` (Go's MatchString). */
  matches(text: string): boolean {
    const end = this.run(text);
    if (end === MATCHED) return true;
    if (end === DEAD) return false;
    end.acceptsAtEnd ??= this.closure(end.kernel, this.context(end, undefined)).has(0);
    return end.acceptsAtEnd;
  }

  /**
   * Whether some string starting with `prefix` could match (over-approximation: treats every
   * character test and assertion other than start-of-text as satisfiable).
   */
  couldMatchWithPrefix(prefix: string): boolean {
    if (prefix === '') return true;
    const end = this.run(prefix);
    if (end === MATCHED) return true;
    if (end === DEAD) return false;
    // Liveness already treats assertions (other than start-of-text) as satisfiable.
    return this.live[this.entry] === true || end.kernel.some((pc) => this.live[pc] === true);
  }

  private run(text: string): DState | typeof MATCHED | typeof DEAD {
    let state = this.initial;
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      const next = state.next.get(cp) ?? this.step(state, cp);
      if (next === MATCHED || next === DEAD) return next;
      state = next;
    }
    return state;
  }

  private context(state: DState, cp: number | undefined): Context {
    return {
      atStart: state.atStart,
      atEnd: cp === undefined,
      prevWord: state.prevWord,
      nextWord: cp !== undefined && isWordChar(cp),
    };
  }

  private step(state: DState, cp: number): DState | typeof MATCHED | typeof DEAD {
    const reach = this.closure(state.kernel, this.context(state, cp));
    let result: DState | typeof MATCHED | typeof DEAD;
    if (reach.has(0)) {
      result = MATCHED;
    } else {
      const kernel = new Set<number>();
      for (const pc of reach) {
        const inst = this.insts[pc];
        // States that can no longer reach `match` are dropped, so hopeless paths end early.
        if (inst?.op === 'char' && this.live[inst.next] === true && inst.test(cp)) kernel.add(inst.next);
      }
      // An unanchored search may start a new attempt at the next position too; the empty kernel
      // plus `entry` is that attempt, so "dead" means no attempt can ever succeed.
      result = kernel.size === 0 && this.live[this.entry] !== true ? DEAD : this.intern([...kernel], false, isWordChar(cp));
    }
    if (this.states.size > MAX_STATES) this.reset();
    state.next.set(cp, result);
    return result;
  }

  private reset(): void {
    this.states = new Map();
    this.initial = this.intern([], true, false);
  }

  private intern(kernel: number[], atStart: boolean, prevWord: boolean): DState {
    kernel.sort((a, b) => a - b);
    const key = `${atStart ? 1 : 0}${prevWord ? 1 : 0}:${kernel.join(',')}`;
    let state = this.states.get(key);
    if (state === undefined) {
      state = { kernel, atStart, prevWord, next: new Map() };
      this.states.set(key, state);
    }
    return state;
  }

  /** Instructions reachable without consuming input from the kernel and a fresh attempt at `entry`. */
  private closure(kernel: readonly number[], ctx: Context): Set<number> {
    const seen = new Set<number>();
    const stack = [this.entry, ...kernel];
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (seen.has(pc)) continue;
      seen.add(pc);
      const inst = this.insts[pc];
      if (inst === undefined) continue;
      if (inst.op === 'split') stack.push(inst.b, inst.a);
      else if (inst.op === 'assert' && holds(inst.kind, ctx)) stack.push(inst.next);
    }
    return seen;
  }

  private computeLiveness(): boolean[] {
    const live = this.insts.map((inst) => inst.op === 'match');
    for (let changed = true; changed; ) {
      changed = false;
      this.insts.forEach((inst, pc) => {
        if (live[pc] === true) return;
        let next: boolean;
        if (inst.op === 'split') next = live[inst.a] === true || live[inst.b] === true;
        else if (inst.op === 'char') next = live[inst.next] === true;
        else if (inst.op === 'assert') next = inst.kind !== 'begin' && live[inst.next] === true;
        else next = false;
        if (next) {
          live[pc] = true;
          changed = true;
        }
      });
    }
    return live;
  }
}

function holds(kind: AssertKind, ctx: Context): boolean {
  switch (kind) {
    case 'begin':
      return ctx.atStart;
    case 'end':
      return ctx.atEnd;
    case 'word-boundary':
      return ctx.prevWord !== ctx.nextWord;
    default:
      return ctx.prevWord === ctx.nextWord;
  }
}
