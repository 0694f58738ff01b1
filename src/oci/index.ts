// The public API of the oci module: media types, digests, document types and schemas, validators, references.
export * from './media-types.ts';
export * from './digest.ts';
export type * from './types.ts';
export * from './schemas.ts';
export * from './validate.ts';
export * from './reference.ts';
