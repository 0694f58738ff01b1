// Runs the strict OCI validator (schemas + invariants) over a stored image, by image ID: every test
// that makes an image through any code path calls it.
import assert from 'node:assert/strict';
import { validateImageStrict } from '../../src/oci/validate.ts';
import { Store } from '../../src/store/index.ts';

export async function validateStored(root: string, id: string): Promise<void> {
  const store = await Store.open(root);
  const img = (await store.images()).find((i) => i.config === id);
  assert.ok(img, `image ${id} is recorded`);
  const manifestRaw = await store.blobs.read(img.manifest);
  const configRaw = await store.blobs.read(img.config);
  const manifest = JSON.parse(manifestRaw.toString()) as { layers: Array<{ digest: string }> };
  const layerBlobs = await Promise.all(manifest.layers.map(async (l) => ({ digest: l.digest, size: await store.blobs.size(l.digest) })));
  validateImageStrict({ manifestRaw, configRaw, layerBlobs });
}
