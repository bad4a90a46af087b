import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import { AppError } from '../../core/errors.js';
import type { Exposure, ExposureService } from '../../hosts/exposure.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const ExposureBody = Type.Object({
  host_id: Type.Integer(),
  hostname: Type.String(),
  release: Type.String(),
  environment: Type.String(),
  package: Type.String(),
  arch: Type.String(),
  installed_version: Type.String(),
  advisory: Type.String(),
  cve: Type.String(),
  severity: Type.String(),
  fixed_version: Type.Union([Type.String(), Type.Null()]),
  fix_available: Type.Boolean(),
  fix_repositories: Type.Array(Type.String()),
});

function exposureBody(e: Exposure) {
  return {
    host_id: e.hostId,
    hostname: e.hostname,
    release: e.release,
    environment: e.env,
    package: e.package,
    arch: e.arch,
    installed_version: e.installedVersion,
    advisory: e.advisoryId,
    cve: e.cve,
    severity: e.severity,
    fixed_version: e.fixedVersion,
    fix_available: e.fixRepositories.length > 0,
    fix_repositories: e.fixRepositories,
  };
}

/** Fleet CVE exposure: which hosts run an affected version, the fixed version, and where the fix already is. */
export const exposureRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; exposure: ExposureService }> = async (app, { auth, exposure }) => {
  app.get(
    '/hosts/:id/vulnerabilities',
    {
      preHandler: requirePermission(auth, 'security:read'),
      schema: { summary: "A host's installed packages affected by advisories for its release", tags: ['hosts', 'security'], params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Type.Object({ items: Type.Array(ExposureBody), total: Type.Integer() }), ...errorResponses } },
    },
    async (req) => {
      const items = (await exposure.forHost(req.params.id)).map(exposureBody);
      return { items, total: items.length };
    },
  );
  app.get(
    '/security/exposure',
    {
      preHandler: requirePermission(auth, 'security:read'),
      schema: {
        summary: 'Hosts exposed to one CVE, or to the advisories of one package',
        tags: ['security'],
        querystring: Type.Object({ cve: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), package: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
        response: { 200: Type.Object({ items: Type.Array(ExposureBody), total: Type.Integer(), hosts: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => {
      const { cve, package: pkg } = req.query;
      if (!cve === !pkg) throw new AppError('VALIDATION_FAILED', 'give exactly one of cve or package');
      const items = (cve ? await exposure.byCve(cve) : await exposure.byPackage(pkg!)).map(exposureBody);
      return { items, total: items.length, hosts: new Set(items.map((i) => i.host_id)).size };
    },
  );
};
