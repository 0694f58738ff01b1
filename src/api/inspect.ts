// `berth inspect`: containers and images by name or ID, as docker looks them up (containers first).
import { BerthError } from '../util/errors.ts';
import { inspectContainers } from './containers.ts';
import { inspectImages } from './images.ts';

export type InspectType = 'container' | 'image';

const notFound = (e: unknown): boolean => e instanceof BerthError && e.code === 'NOT_FOUND';

/**
 * Each name as a container, then as an image (or only as `type`); a name that is neither is
 * docker's "No such object" (or "No such container"/"No such image" under `type`), and the others
 * are still shown.
 */
export async function inspectObjects(root: string, names: readonly string[], type?: string): Promise<{ objects: unknown[]; errors: BerthError[] }> {
  if (type !== undefined && type !== 'container' && type !== 'image') {
    throw new BerthError('INVALID_ARGUMENT', `"${type}" is not a valid value for --type`, { hint: 'berth inspects containers and images: --type container or --type image' });
  }
  if (type === 'image') return inspectImages(root, names);
  const objects: unknown[] = [];
  const errors: BerthError[] = [];
  for (const name of names) {
    try {
      objects.push(...(await inspectContainers(root, [name])));
      continue;
    } catch (e) {
      if (!notFound(e)) throw e;
      if (type === 'container') { errors.push(e as BerthError); continue; }
    }
    const image = await inspectImages(root, [name]);
    objects.push(...image.objects);
    if (image.errors.length) errors.push(notFound(image.errors[0]) ? new BerthError('NOT_FOUND', `No such object: ${name}`) : image.errors[0]!);
  }
  return { objects, errors };
}
