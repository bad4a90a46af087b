import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { VexExportService } from '../../security/vex-export.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';
import { baseUrlOf } from './sbom.routes.js';

const fields = {
  format: Type.Union([Type.Literal('openvex'), Type.Literal('cyclonedx')], { default: 'openvex' }),
  spec_version: Type.Union([Type.Literal('1.6'), Type.Literal('1.5')], { default: '1.6', description: 'CycloneDX spec version' }),
  distribution: Type.Optional(Type.String({ maxLength: 100 })),
};
const Query = Type.Object(fields);
const Document = Type.Unknown({ description: 'OpenVEX 0.2.0 JSON or CycloneDX VEX JSON' });

export const vexRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; vex: VexExportService; publicUrl: string }> = async (app, { auth, vex, publicUrl }) => {
  app.get(
    '/security/vex',
    {
      preHandler: requirePermission(auth, 'security:read'),
      schema: { summary: 'VEX of the findings and decisions of every distribution or of one', tags: ['security'], querystring: Query, response: { 200: Document, ...errorResponses } },
    },
    async (req, reply) => {
      const q = req.query;
      const out = await vex.distributionVex({ format: q.format, specVersion: q.spec_version, distribution: q.distribution, baseUrl: baseUrlOf(req, publicUrl) });
      return reply.type(out.contentType).send(JSON.stringify(out.document));
    },
  );

  app.get(
    '/security/packages/:name/:version/vex',
    {
      preHandler: requirePermission(auth, 'security:read'),
      schema: {
        summary: 'VEX of one package version',
        tags: ['security'],
        params: Type.Object({ name: Type.String({ maxLength: 200 }), version: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object({ ...fields, arch: Type.Optional(Type.String({ maxLength: 50 })) }),
        response: { 200: Document, ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const out = await vex.packageVex(req.params.name, req.params.version, q.arch, { format: q.format, specVersion: q.spec_version, distribution: q.distribution, baseUrl: baseUrlOf(req, publicUrl) });
      return reply.type(out.contentType).send(JSON.stringify(out.document));
    },
  );
};
