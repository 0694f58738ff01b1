// Public surface of snapshots: writable overlay views over unpacked layers.
export { prepareSnapshot, type MutableSnapshot } from './overlay.ts';
export { ancestorsToCopyUp, prepareDirectUpper } from './direct-upper.ts';
