// Public surface of the registry client: pull, push, login check, settings, typed errors.
export { pullImage, type LayerSink, type PullSink, type PullOptions, type PulledImage } from './pull.ts';
export { pushImage, checkLogin, type PushSource, type PushBlob, type PushOptions, type PushResult } from './push.ts';
export { loadRegistrySettings, type RegistrySettings } from './settings.ts';
export { RegistryError, redactUrl, type RegistryDiagnostic } from './errors.ts';
export type { Credentials, CredentialLookup } from './auth.ts';
export { parsePlatform, hostPlatform, formatPlatform, type Platform } from './platform.ts';
export { shortId, type RegistryEvent, type RegistryEventSink, type LayerStatus } from './events.ts';
export { endpointsFor, isLoopback, DOCKER_HUB_HOST } from './endpoint.ts';
export { getCredentials, findCredentials, storeCredentials, eraseCredentials, credentialLookup, authKey, DOCKER_HUB_AUTH_KEY, type CredentialOptions, type StoredCredentials, type FoundCredentials } from './credentials.ts';
export { listTags } from './tags.ts';
