// Walks a copied directory in byte order, applying --parents include and --exclude patterns as fsutil's copier does.

import type { MatchState, PatternMatcher } from '../../context/index.ts';
import type { CopyItem } from './select.ts';
import { joinRel, type SourceNode, type SourceTree } from './source-tree.ts';

/**
 * `enter`/`leave` bracket a directory's children; `explicit` is false for a directory that is not
 * itself selected but is created because something inside it is (fsutil's delayed parent dirs).
 * `rel` is relative to the copied directory.
 */
export type WalkEvent =
  | { kind: 'enter'; rel: string; node: SourceNode; explicit: boolean }
  | { kind: 'leave'; rel: string; node: SourceNode; explicit: boolean }
  | { kind: 'leaf'; rel: string; node: SourceNode };

interface Frame {
  rel: string;
  node: SourceNode;
  entered: boolean;
}

/** Whether some include pattern could select a path strictly inside `dir`. */
function mayIncludeInside(include: PatternMatcher, dir: string): boolean {
  return include.patterns.some((p) => !p.exception && p.couldMatchBelow(dir));
}

/** The children of directory item `item` (not the directory itself), as events. */
export async function* walkItem(
  tree: SourceTree,
  item: CopyItem,
  exclude: PatternMatcher | undefined,
): AsyncGenerator<WalkEvent, void, undefined> {
  const include = item.include;
  const stack: Frame[] = [];

  async function* enterPending(): AsyncGenerator<WalkEvent, void, undefined> {
    for (const frame of stack) {
      if (frame.entered) continue;
      frame.entered = true;
      yield { kind: 'enter', rel: frame.rel, node: frame.node, explicit: false };
    }
  }

  async function* dir(rel: string, inc: MatchState | undefined, exc: MatchState | undefined): AsyncGenerator<WalkEvent, void, undefined> {
    for (const name of await tree.readdir(joinRel(item.path, rel))) {
      const child = joinRel(rel, name);
      const node = await tree.lstat(joinRel(item.path, child));
      if (node === undefined) continue; // vanished since the listing
      const incState = include?.matchState(child, inc);
      const excState = exclude?.matchState(child, exc);
      const excluded = excState?.excluded ?? false;
      const selected = !excluded && (incState?.excluded ?? true);
      if (node.type !== 'dir') {
        if (!selected) continue;
        yield* enterPending();
        yield { kind: 'leaf', rel: child, node };
        continue;
      }
      if (!selected) {
        // Descend only where something below could still be selected.
        const excludeAllows = !excluded || (exclude as PatternMatcher).mayIncludeBelow(child, excState);
        const includeAllows = include === undefined || (incState as MatchState).excluded || mayIncludeInside(include, child);
        if (!excludeAllows || !includeAllows) continue;
      } else {
        yield* enterPending();
      }
      const frame: Frame = { rel: child, node, entered: selected };
      stack.push(frame);
      if (selected) yield { kind: 'enter', rel: child, node, explicit: true };
      yield* dir(child, incState, excState);
      stack.pop();
      if (frame.entered) yield { kind: 'leave', rel: child, node, explicit: selected };
    }
  }

  yield* dir('', undefined, undefined);
}
