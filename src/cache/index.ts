// Public surface of the build cache index.
export { CacheIndex } from './cache-index.ts';
