// zod schemas for OCI / Docker schema-2 documents; `.loose()` everywhere so unknown fields survive parsing.
//
// These check shape and per-field syntax (digests, media types, sizes, dates). Cross-field rules that
// need context (media type families, history vs. diff_ids, config bytes vs. descriptor) live in
// validate.ts.
import { Buffer } from 'node:buffer';
import { z } from 'zod';
import { type Digest, digestAlgorithm, digestOf, digestProblem, isDigest } from './digest.ts';
import { MEDIA_TYPE_PATTERN } from './media-types.ts';
import type {
  ContainerConfig, Descriptor, HealthConfig, HistoryEntry, ImageConfig, Index, LayoutHeader, Manifest, Platform, RootFs,
} from './types.ts';

/** A sha256/sha512 digest, branded on success. */
export const DigestSchema = z.string().transform((text, ctx): Digest => {
  const problem = digestProblem(text);
  if (problem !== undefined) {
    ctx.issues.push({ code: 'custom', message: problem, input: text });
    return z.NEVER;
  }
  return text as Digest;
});

export const MediaTypeSchema = z.string().regex(MEDIA_TYPE_PATTERN, {
  error: 'must be a media type of the form type/subtype (RFC 6838 characters)',
});

/** A blob size: a non-negative integer that JSON numbers can represent exactly. */
export const SizeSchema = z
  .number()
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must not be negative' });

export const AnnotationsSchema = z.record(z.string(), z.string());

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const UrlSchema = z.string().refine((u) => URL.canParse(u), { error: 'must be an absolute URL' });

// RFC 3339 date-time, the `format: date-time` of the OCI schema (Go's time.Time marshals to this).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const DateTimeSchema = z.string().regex(DATE_TIME, { error: 'must be an RFC 3339 date-time' });

const NonEmptyString = z.string().min(1, { error: 'must not be empty' });

export const PlatformSchema = z
  .object({
    architecture: NonEmptyString,
    os: NonEmptyString,
    'os.version': z.string().optional(),
    'os.features': z.array(z.string()).optional(),
    variant: z.string().optional(),
    features: z.array(z.string()).optional(),
  })
  .loose();

export const DescriptorSchema = z
  .object({
    mediaType: MediaTypeSchema,
    digest: DigestSchema,
    size: SizeSchema,
    urls: z.array(UrlSchema).optional(),
    annotations: AnnotationsSchema.optional(),
    data: z.string().regex(BASE64, { error: 'must be base64' }).optional(),
    artifactType: MediaTypeSchema.optional(),
    platform: PlatformSchema.optional(),
  })
  .loose()
  .superRefine((d, ctx) => {
    // Embedded data must be the blob the descriptor names.
    // (Guarded: zod may run refinements after a field already failed.)
    if (d.data === undefined || typeof d.size !== 'number' || !isDigest(d.digest)) return;
    const bytes = Buffer.from(d.data, 'base64');
    if (bytes.length !== d.size) {
      ctx.issues.push({
        code: 'custom', path: ['data'], input: d.data,
        message: `decodes to ${bytes.length} bytes but size is ${d.size}`,
      });
    } else if (digestOf(bytes, digestAlgorithm(d.digest)) !== d.digest) {
      ctx.issues.push({ code: 'custom', path: ['data'], input: d.data, message: 'does not hash to digest' });
    }
  });

const SchemaVersion = z.literal(2, { error: 'must be 2' });

export const ManifestSchema = z
  .object({
    schemaVersion: SchemaVersion,
    mediaType: MediaTypeSchema.optional(),
    artifactType: MediaTypeSchema.optional(),
    config: DescriptorSchema,
    layers: z.array(DescriptorSchema),
    subject: DescriptorSchema.optional(),
    annotations: AnnotationsSchema.optional(),
  })
  .loose();

export const IndexSchema = z
  .object({
    schemaVersion: SchemaVersion,
    mediaType: MediaTypeSchema.optional(),
    artifactType: MediaTypeSchema.optional(),
    manifests: z.array(DescriptorSchema),
    subject: DescriptorSchema.optional(),
    annotations: AnnotationsSchema.optional(),
  })
  .loose();

const Duration = z.number().int({ error: 'must be an integer (nanoseconds)' }).min(0, { error: 'must not be negative' });

export const HealthConfigSchema = z
  .object({
    Test: z.array(z.string()).nullable().optional(),
    Interval: Duration.optional(),
    Timeout: Duration.optional(),
    StartPeriod: Duration.optional(),
    StartInterval: Duration.optional(),
    Retries: z.number().int({ error: 'must be an integer' }).min(0, { error: 'must not be negative' }).optional(),
  })
  .loose();

const StringList = z.array(z.string()).nullable().optional();
// Docker's nat.PortSet keys: "80", "80/tcp", "53/udp", "9/sctp".
const PortKey = z.string().regex(/^\d{1,5}(?:\/(?:tcp|udp|sctp))?$/, { error: 'must be a port like 80/tcp' });
const EmptyObjectMap = (key: z.ZodType<string>) => z.record(key, z.object({}).loose()).nullable().optional();

export const ContainerConfigSchema = z
  .object({
    User: z.string().optional(),
    ExposedPorts: EmptyObjectMap(PortKey),
    Env: StringList,
    Entrypoint: StringList,
    Cmd: StringList,
    Volumes: EmptyObjectMap(z.string()),
    WorkingDir: z.string().optional(),
    Labels: AnnotationsSchema.nullable().optional(),
    StopSignal: z.string().optional(),
    Healthcheck: HealthConfigSchema.nullable().optional(),
    OnBuild: StringList,
    Shell: StringList,
    ArgsEscaped: z.boolean().optional(),
  })
  .loose();

export const RootFsSchema = z
  .object({
    type: z.literal('layers', { error: 'must be "layers"' }),
    diff_ids: z.array(DigestSchema),
  })
  .loose();

export const HistoryEntrySchema = z
  .object({
    created: DateTimeSchema.optional(),
    created_by: z.string().optional(),
    author: z.string().optional(),
    comment: z.string().optional(),
    empty_layer: z.boolean().optional(),
  })
  .loose();

export const ImageConfigSchema = z
  .object({
    architecture: NonEmptyString,
    os: NonEmptyString,
    'os.version': z.string().optional(),
    'os.features': z.array(z.string()).optional(),
    variant: z.string().optional(),
    created: DateTimeSchema.optional(),
    author: z.string().optional(),
    config: ContainerConfigSchema.nullable().optional(),
    rootfs: RootFsSchema,
    history: z.array(HistoryEntrySchema).optional(),
  })
  .loose();

export const LayoutHeaderSchema = z
  .object({ imageLayoutVersion: z.literal('1.0.0', { error: 'must be "1.0.0"' }) })
  .loose();

// Compile-time check that each schema's output is assignable to the hand-written type in types.ts.
type Assignable<T extends U, U> = [T, U];
export type SchemaTypeChecks = [
  Assignable<z.output<typeof PlatformSchema>, Platform>,
  Assignable<z.output<typeof DescriptorSchema>, Descriptor>,
  Assignable<z.output<typeof ManifestSchema>, Manifest>,
  Assignable<z.output<typeof IndexSchema>, Index>,
  Assignable<z.output<typeof HealthConfigSchema>, HealthConfig>,
  Assignable<z.output<typeof ContainerConfigSchema>, ContainerConfig>,
  Assignable<z.output<typeof RootFsSchema>, RootFs>,
  Assignable<z.output<typeof HistoryEntrySchema>, HistoryEntry>,
  Assignable<z.output<typeof ImageConfigSchema>, ImageConfig>,
  Assignable<z.output<typeof LayoutHeaderSchema>, LayoutHeader>,
];
