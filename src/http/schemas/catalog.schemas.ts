import { type TSchema, Type } from 'typebox';

export const Format = Type.Union([Type.Literal('deb'), Type.Literal('rpm')]);

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

export const CatalogQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive substring of the package or source name' })),
  search: Type.Optional(Type.String({ maxLength: 200, description: 'Same as q (the name Repod uses on /artifacts/)' })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  distribution: Type.Optional(Type.String({ maxLength: 64 })),
  format: Type.Optional(Format),
  arch: Type.Optional(Type.String({ maxLength: 32 })),
});

export function pageOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer(), pages: Type.Integer() });
}

export const PackageItem = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  version: Type.String(),
  arch: Type.String(),
  format: Format,
  distribution: Type.String(),
  component: Type.String(),
  source: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  filename: Type.String(),
  uploaded_at: Type.String(),
  uploaded_by: Type.String(),
});

export const ArtifactItem = Type.Object({
  name: Type.String(),
  format: Format,
  description: Type.String(),
  latest_version: Type.String(),
  version_count: Type.Integer(),
  versions: Type.Array(Type.String()),
  distribution: Type.String(),
  distributions: Type.Array(Type.String()),
  arches: Type.Array(Type.String()),
  updated_at: Type.String(),
});

export const ArtifactDetail = Type.Object({
  name: Type.String(),
  format: Format,
  info: Type.Object({ ...ArtifactItem.properties, source: Type.String() }),
  history: Type.Array(PackageItem),
});

export const VersionsResponse = Type.Object({
  package: Type.String(),
  format: Format,
  count: Type.Integer(),
  versions: Type.Array(
    Type.Object({
      version: Type.String(),
      format: Format,
      arches: Type.Array(Type.String()),
      distributions: Type.Array(Type.String()),
      uploaded_at: Type.String(),
      uploaded_by: Type.String(),
      in_pool: Type.Boolean(),
      files: Type.Array(Type.Object({ arch: Type.String(), sha256: Type.String(), size: Type.Integer(), filename: Type.String(), distributions: Type.Array(Type.String()) })),
    }),
  ),
});

export const RemovalResponse = Type.Object({
  status: Type.Literal('deleted'),
  package: Type.String(),
  version: Type.Union([Type.String(), Type.Null()]),
  removed: Type.Array(Type.Object({ distribution: Type.String(), snapshot: Type.Integer(), versions: Type.Array(Type.String()), packages: Type.Integer() })),
  message: Type.String(),
});

export const Distribution = Type.Object({
  codename: Type.String(),
  name: Type.String(),
  full_name: Type.String(),
  format: Format,
  kind: Type.String(),
  components: Type.Array(Type.String()),
  architectures: Type.Array(Type.String()),
  origin: Type.String(),
  label: Type.String(),
  description: Type.String(),
  package_count: Type.Integer(),
  snapshot: Type.Integer(),
  created_at: Type.String(),
});

const Names = (max: number) => Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: max });

export const DistributionCreate = Type.Object(
  {
    codename: Type.String({ minLength: 1, maxLength: 63 }),
    format: Format,
    components: Type.Optional(Names(32)),
    architectures: Names(32),
    origin: Type.Optional(Type.String({ maxLength: 128 })),
    label: Type.Optional(Type.String({ maxLength: 128 })),
    description: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

export const DistributionPatch = Type.Object(
  {
    components: Type.Optional(Names(32)),
    architectures: Type.Optional(Names(32)),
    origin: Type.Optional(Type.String({ maxLength: 128 })),
    label: Type.Optional(Type.String({ maxLength: 128 })),
    description: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

export const DistributionPackages = Type.Object({
  codename: Type.String(),
  format: Format,
  total: Type.Integer(),
  packages: Type.Array(Type.Object({ name: Type.String(), version: Type.String(), arch: Type.String(), component: Type.String(), sha256: Type.String() })),
});

const PromoteOptions = {
  version: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  arch: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  force: Type.Optional(Type.Boolean({ default: false })),
  justification: Type.Optional(Type.String({ maxLength: 2000 })),
};

export const DistributionPromoteBody = Type.Object({
  package: Type.String({ minLength: 1, maxLength: 200 }),
  from_dist: Type.String({ minLength: 1, maxLength: 64 }),
  to_dist: Type.String({ minLength: 1, maxLength: 64 }),
  ...PromoteOptions,
});

export const ArtifactPromoteBody = Type.Object({
  from_dist: Type.String({ minLength: 1, maxLength: 64 }),
  to_dist: Type.String({ minLength: 1, maxLength: 64 }),
  ...PromoteOptions,
});

export const PromotionResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('approved'), Type.Literal('already_present'), Type.Literal('pending_review')]),
  message: Type.String(),
  package: Type.String(),
  version: Type.String(),
  arches: Type.Array(Type.String()),
  from: Type.String(),
  to: Type.String(),
  from_dist: Type.String(),
  to_dist: Type.String(),
  promoted_by: Type.String(),
  promoted_at: Type.String(),
  snapshot: Type.Union([Type.Integer(), Type.Null()]),
  policy_verdict: Type.Object({
    verdict: Type.String(),
    reason: Type.String(),
    warnings: Type.Array(Type.String()),
    blocking: Type.Array(Type.String()),
    reviewing: Type.Array(Type.String()),
  }),
  justification: Type.String(),
  warnings: Type.Array(Type.String()),
});
