// Which containers use an image: `rmi` and image pruning must leave a container's image (and its unpacked layers) in place.
import { ContainerRecords } from '../container/index.ts';
import type { Store } from '../store/index.ts';

export async function imageUsers(store: Store, manifest: string): Promise<Array<{ id: string; running: boolean }>> {
  const all = await new ContainerRecords(store).list();
  return all.filter((c) => c.Berth.manifest === manifest).map((c) => ({ id: c.Id, running: c.State.Running }));
}

/** The manifests of every image some container uses. */
export async function imagesInUse(store: Store): Promise<Set<string>> {
  return new Set((await new ContainerRecords(store).list()).map((c) => c.Berth.manifest));
}
