// The public API of the oci module: media types, digests, document types, references, and the
// validators loaded on first use (import ./validate.ts or ./schemas.ts directly to use them eagerly).
export * from './media-types.ts';
export * from './digest.ts';
export type * from './types.ts';
export { loadValidators, type Validators } from './load-validators.ts';
export * from './reference.ts';
