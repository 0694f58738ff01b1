// Public surface of the typed-instruction layer.
export { convertInstruction, convertTree, type ConvertResult } from './convert.ts';
export { parseDuration } from './duration.ts';
export { parseMountValue, type DeferredKey } from './mount.ts';
export { suggest } from './suggest.ts';
export type * from './types.ts';
