// Public API of the build-context module: .dockerignore parsing and matching, ignore-file lookup, context walking.

export { emptyIgnoreRules, parseDockerignore, readIgnoreEntries, type IgnoreEntry, type IgnoreRules } from './dockerignore.ts';
export { readIgnoreFile, type IgnoreFile, type IgnoreFileSource } from './ignore-file.ts';
export { compilePattern, Pattern, PatternMatcher, type MatchState, type PatternKind } from './pattern-matcher.ts';
export { compareByteOrder } from './path-order.ts';
export { walkContext, type ContextEntry, type ContextEntryType, type WalkOptions } from './walk-context.ts';
