// `berth system df`: what the store holds on disk, in docker's categories.
import { manifestLinks } from '../store/index.ts';
import { openStore } from './image-resolve.ts';

export interface UsageRow {
  type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache';
  total: number;
  active: number;
  /** Bytes on disk (blobs are counted once however many images share them). */
  size: number;
  reclaimable: number;
}

export async function diskUsage(root: string): Promise<UsageRow[]> {
  const store = await openStore(root);
  const images = await store.images();
  const blobs = new Set<string>();
  for (const img of images) {
    blobs.add(img.manifest);
    const links = manifestLinks(await store.blobs.read(img.manifest), img.manifest);
    blobs.add(links.config);
    for (const l of links.layers) blobs.add(l);
  }
  let size = 0;
  for (const d of blobs) size += await store.blobs.size(d).catch(() => 0);
  // No container can use an image yet (berth run comes later), so every image is reclaimable.
  return [
    { type: 'Images', total: images.length, active: 0, size, reclaimable: size },
    { type: 'Containers', total: 0, active: 0, size: 0, reclaimable: 0 },
    { type: 'Local Volumes', total: 0, active: 0, size: 0, reclaimable: 0 },
    { type: 'Build Cache', total: 0, active: 0, size: 0, reclaimable: 0 },
  ];
}
