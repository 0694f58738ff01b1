// Public API of COPY/ADD file semantics: copying sources into a rootfs and the content checksum for cache keys.

export { contentChecksum, memoKey, type ChecksumMemo, type ChecksumOptions, type ChecksumResult } from './checksum.ts';
export { parseChmod, type ChmodSpec } from './chmod.ts';
export { copyFiles, parseDest } from './copy-files.ts';
export { containsWildcards, goMatch } from './go-match.ts';
export type { CopyOptions, CopyResult, CopySource, SelectOptions } from './types.ts';
