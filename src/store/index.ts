// Public surface of the image store.
export { Store, type StoredImage, type AddImageInput } from './store.ts';
export { BlobStore, BlobWriter, type BlobInfo, type BlobExpectation } from './blob-store.ts';
export { ArrivingLayer, type ArrivingLayerOptions, type CheckedLayer } from './arriving-layer.ts';
export type { ImageRecord } from './refs.ts';
export { manifestLinks } from './manifest-refs.ts';
export { checkStore, type CheckProblem } from './check.ts';
export { loadArchive } from './load-archive.ts';
export { Snapshots } from './snapshots.ts';
export { commitLayerDir, commitLayerTar, type CommittedLayer } from './commit-layer.ts';
export { convertLayer, type ConvertOptions } from './convert-layer.ts';
