// Public surface of Dockerfile shell-word expansion (docker/BuildKit semantics).
export type { EnvLookup, EscapeToken, ExpandOptions, ExpandResult } from './types.ts';
export { expandWord, expandWords } from './expand.ts';
export { envFromList } from './env.ts';
