// RUN --mount: resolving the flags for the cache key, and setting up (then tearing down) what a step mounts.
export { acquireCacheDir, cacheMountsDir, pruneCacheDirs } from './cache-dirs.ts';
export { prepareRunMounts, type PreparedMounts } from './prepare.ts';
export { mountKeyParts, resolveRunMounts, type ResolvedMount } from './resolve.ts';
export { MAX_SECRET_BYTES } from './secrets-dir.ts';
