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

/**
 * The children of directory item `item` (not the directory itself), as events in copy order. A
 * list, not a stream: the context's tree is in memory (listed once per build), and for a directory
 * tree the entries are only metadata. Collected by one recursive function rather than nested async
 * generators, whose every event passed through a resumption per level (a 500-file COPY spent more
 * time there than in the rest of its checksum).
 */
export async function walkItem(tree: SourceTree, item: CopyItem, exclude: PatternMatcher | undefined): Promise<WalkEvent[]> {
  const include = item.include;
  const events: WalkEvent[] = [];
  const stack: Frame[] = [];
  const sync = tree.readdirSync !== undefined && tree.lstatSync !== undefined;

  const enterPending = (): void => {
    for (const frame of stack) {
      if (frame.entered) continue;
      frame.entered = true;
      events.push({ kind: 'enter', rel: frame.rel, node: frame.node, explicit: false });
    }
  };

  const dir = async (rel: string, inc: MatchState | undefined, exc: MatchState | undefined): Promise<void> => {
    const at = joinRel(item.path, rel);
    const names = sync ? tree.readdirSync!(at) : await tree.readdir(at);
    for (const name of names) {
      const child = joinRel(rel, name);
      const node = sync ? tree.lstatSync!(joinRel(at, name)) : await tree.lstat(joinRel(at, name));
      if (node === undefined) continue; // vanished since the listing
      const incState = include?.matchState(child, inc);
      const excState = exclude?.matchState(child, exc);
      const excluded = excState?.excluded ?? false;
      const selected = !excluded && (incState?.excluded ?? true);
      if (node.type !== 'dir') {
        if (!selected) continue;
        enterPending();
        events.push({ kind: 'leaf', rel: child, node });
        continue;
      }
      if (!selected) {
        // Descend only where something below could still be selected.
        const excludeAllows = !excluded || (exclude as PatternMatcher).mayIncludeBelow(child, excState);
        const includeAllows = include === undefined || (incState as MatchState).excluded || mayIncludeInside(include, child);
        if (!excludeAllows || !includeAllows) continue;
      } else {
        enterPending();
      }
      const frame: Frame = { rel: child, node, entered: selected };
      stack.push(frame);
      if (selected) events.push({ kind: 'enter', rel: child, node, explicit: true });
      await dir(child, incState, excState);
      stack.pop();
      if (frame.entered) events.push({ kind: 'leave', rel: child, node, explicit: selected });
    }
  };

  await dir('', undefined, undefined);
  return events;
}
