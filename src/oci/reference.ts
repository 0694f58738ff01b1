// Docker image references ("ubuntu", "localhost:5000/a/b:tag@sha256:…"), parsed and normalized as docker does.
//
// Written from the grammar of github.com/distribution/reference:
//
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain '/'] remote-name
//   domain           := host [':' port-number]
//   host             := domain-name | "[" IPv6address "]"     (IPv4 is a domain-name here)
//   domain-name      := domain-component ['.' domain-component]*
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   port-number      := /[0-9]+/
//   remote-name      := path-component ['/' path-component]*
//   path-component   := alpha-numeric [separator alpha-numeric]*
//   alpha-numeric    := /[a-z0-9]+/
//   separator        := /[_.]|__|[-]+/
//   tag              := /[\w][\w.-]{0,127}/
//   digest           := algorithm ":" hex   (algorithm /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/, hex {32,})
//
// and its normalization (ParseNormalizedNamed): the first path element is a registry only when it
// contains "." or ":", is "localhost", or has uppercase letters; otherwise the registry is docker.io
// and a single-element name gets "library/". "index.docker.io" becomes "docker.io". The remote name
// (the text before the first ":" after the registry) must be lowercase. As docker's ParseDockerRef,
// a name with neither tag nor digest gets the tag "latest"; a tag and a digest together are both kept.
//
// Differences from docker, on purpose:
// - A bare 64-hex string is an image ID, not a name: parseReference rejects it (docker's message);
//   parseAnyReference returns it as `{ kind: 'id' }` (so does `sha256:<hex>`), as ParseAnyReference.
// - Digests must be sha256 or sha512 (go-digest also knows sha384).
// - A first element that is chosen as the registry (it has a "." or ":") but is not a valid host,
//   e.g. "a.b_c/d", is an error; docker silently reparses it as a path with an empty registry.
import { BerthError } from '../util/errors.ts';
import { type Digest, digestProblem } from './digest.ts';

export const DEFAULT_REGISTRY = 'docker.io';
export const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
/** Maximum length of `registry/repository`, counted on the normalized name. */
export const NAME_TOTAL_LENGTH_MAX = 255;

const ALPHA_NUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = new RegExp(`^${ALPHA_NUMERIC}(?:${SEPARATOR}${ALPHA_NUMERIC})*$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_ADDRESS = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6_ADDRESS})(?::[0-9]+)?$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IDENTIFIER = /^[a-f0-9]{64}$/;

function fail(detail: string): never {
  throw new BerthError('INVALID_REFERENCE', `invalid reference format: ${detail}`);
}

/** A parsed, normalized image reference. */
export class Reference {
  /** Registry host[:port], e.g. "docker.io", "localhost:5000". */
  readonly registry: string;
  /** Path inside the registry, e.g. "library/ubuntu". */
  readonly repository: string;
  /** The tag; "latest" when the text had neither tag nor digest. */
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
  /** False when `tag` is the implied "latest". */
  readonly tagExplicit: boolean;

  constructor(parts: { registry: string; repository: string; tag?: string; digest?: Digest; tagExplicit?: boolean }) {
    this.registry = parts.registry;
    this.repository = parts.repository;
    this.tag = parts.tag;
    this.digest = parts.digest;
    this.tagExplicit = parts.tagExplicit ?? parts.tag !== undefined;
    Object.freeze(this);
  }

  /** `registry/repository`, e.g. "docker.io/library/ubuntu". */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** Docker's short name: "ubuntu", "user/app", "localhost:5000/x". */
  familiarName(): string {
    if (this.registry !== DEFAULT_REGISTRY) return this.name;
    if (this.repository.startsWith(OFFICIAL_REPO_PREFIX)) {
      const rest = this.repository.slice(OFFICIAL_REPO_PREFIX.length);
      if (!rest.includes('/')) return rest;
    }
    return this.repository;
  }

  /** Docker's short form with tag and digest: "ubuntu:latest", "user/app:1", "localhost:5000/x:latest". */
  familiar(): string {
    return this.familiarName() + this.suffix();
  }

  /** The normalized full form: "docker.io/library/ubuntu:latest". */
  toString(): string {
    return this.name + this.suffix();
  }

  private suffix(): string {
    return (this.tag === undefined ? '' : `:${this.tag}`) + (this.digest === undefined ? '' : `@${this.digest}`);
  }
}

/** Docker's split of a familiar name into registry and remainder (which still holds tag and digest). */
function splitRegistry(text: string): { registry: string; remainder: string } {
  const slash = text.indexOf('/');
  let registry: string;
  let remainder: string;
  if (slash === -1) {
    registry = DEFAULT_REGISTRY;
    remainder = text;
  } else {
    const first = text.slice(0, slash);
    const isRegistry = first === 'localhost' || first === LEGACY_DEFAULT_REGISTRY || /[.:]/.test(first) || first.toLowerCase() !== first;
    registry = isRegistry ? first : DEFAULT_REGISTRY;
    remainder = isRegistry ? text.slice(slash + 1) : text;
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { registry, remainder };
}

function checkRepository(repository: string, text: string): void {
  for (const component of repository.split('/')) {
    if (component === '') fail(`empty repository path component in ${JSON.stringify(text)}`);
    if (!PATH_COMPONENT.test(component)) {
      fail(`invalid repository path component ${JSON.stringify(component)} in ${JSON.stringify(text)}: ` +
        'use lowercase letters and digits separated by ".", "_", "__" or dashes');
    }
  }
}

/**
 * Parses a docker image reference and normalizes it (docker.io, library/, latest). Throws
 * BerthError('INVALID_REFERENCE', 'invalid reference format: …').
 */
export function parseReference(text: string): Reference {
  if (text === '') fail('repository name must have at least one component');
  if (IDENTIFIER.test(text)) {
    fail(`cannot specify 64-byte hexadecimal strings as a repository name (${text}); it is an image ID`);
  }
  const { registry, remainder } = splitRegistry(text);

  // Docker checks case on everything up to the first ":" of the remainder, before any other rule.
  const colon = remainder.indexOf(':');
  const remote = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) fail(`repository name (${remote}) must be lowercase`);

  const at = remainder.indexOf('@');
  const nameAndTag = at === -1 ? remainder : remainder.slice(0, at);
  const digestText = at === -1 ? undefined : remainder.slice(at + 1);
  // A ":" after the last "/" starts the tag (a port's ":" is in the registry, before a "/").
  const tagColon = nameAndTag.lastIndexOf(':');
  const hasTag = tagColon > nameAndTag.lastIndexOf('/');
  const repository = hasTag ? nameAndTag.slice(0, tagColon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(tagColon + 1) : undefined;

  if (!DOMAIN.test(registry)) fail(`invalid registry host ${JSON.stringify(registry)}`);
  checkRepository(repository, text);
  if (tag !== undefined && !TAG.test(tag)) {
    fail(`invalid tag ${JSON.stringify(tag)}: up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }
  let digest: Digest | undefined;
  if (digestText !== undefined) {
    if (!DIGEST.test(digestText)) fail(`invalid digest ${JSON.stringify(digestText)}: expected <algorithm>:<hex>`);
    const problem = digestProblem(digestText);
    if (problem !== undefined) fail(`invalid digest ${JSON.stringify(digestText)}: ${problem}`);
    digest = digestText as Digest;
  }
  if (registry.length + 1 + repository.length > NAME_TOTAL_LENGTH_MAX) {
    fail(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }

  if (tag === undefined && digest === undefined) {
    return new Reference({ registry, repository, tag: DEFAULT_TAG, tagExplicit: false });
  }
  return new Reference({ registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) });
}

/** A reference that may also be an image ID (docker's ParseAnyReference). */
export type AnyReference =
  | { kind: 'id'; id: Digest }
  | { kind: 'named'; reference: Reference };

/**
 * Like parseReference, but a bare 64-hex string or a full `sha256:<hex>` digest is an image ID.
 * Short ID prefixes ("a1b2c3") are valid names, so they parse as names: resolving them against
 * stored images is the store's job.
 */
export function parseAnyReference(text: string): AnyReference {
  if (IDENTIFIER.test(text)) return { kind: 'id', id: `sha256:${text}` as Digest };
  if (digestProblem(text) === undefined) return { kind: 'id', id: text as Digest };
  return { kind: 'named', reference: parseReference(text) };
}

/** True when `text` parses as a reference. */
export function isValidReference(text: string): boolean {
  try {
    parseReference(text);
    return true;
  } catch {
    return false;
  }
}
