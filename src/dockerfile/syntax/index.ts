// Public surface of the Dockerfile syntax layer.
export { parseDockerfile } from './parse.ts';
export { KNOWN_KEYWORDS } from './arguments.ts';
export type * from './nodes.ts';
