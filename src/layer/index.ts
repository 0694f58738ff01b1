// Public API of the layer module: tar codec, compression, one-pass digests, whiteouts, safe extraction, overlay diffs.

export type { EntryType, TarHeader, TarTime } from './tar-header.ts';
export {
  TarWriter,
  packTar,
  normalizeHeader,
  type TarBody,
  type TarEntryInput,
  type TarSourceEntry,
  type TarWriterOptions,
  type TimeInput,
} from './tar-writer.ts';
export { readTar, type TarEntry, type TarReaderOptions } from './tar-reader.ts';
export {
  createCompressStream,
  createDecompressStream,
  createSizeLimit,
  detectCompression,
  openDecompressed,
  sniffCompression,
  zstdBackend,
  type CompressOptions,
  type Compression,
  type DecompressOptions,
  type OutputCompression,
} from './compression.ts';
export { HashTap, compressLayer, decompressLayer, writeLayerBlob, type LayerDigests } from './digesting.ts';
export {
  OPAQUE_WHITEOUT,
  WHITEOUT_PREFIX,
  isWhiteoutName,
  opaquePath,
  parseWhiteout,
  whiteoutPath,
  type Whiteout,
} from './whiteout.ts';
export { checkLayerEntries } from './check-entries.ts';
export { extractLayer, type ExtractOptions, type ExtractResult } from './extract.ts';
export { diffDirToTar, isOpaque, isOverlayXattr, pumpDiffDir, type ChunkSink, type DiffDirOptions } from './diff-dir.ts';
export { readXattrsSync, setXattr } from './fs-ops.ts';
export { clampTarTimes } from './rewrite-tar.ts';
export { PushedLayerCheck, type CheckedLayer } from './pushed-layer-check.ts';
