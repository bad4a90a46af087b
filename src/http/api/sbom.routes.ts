import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { SbomDocumentStream, SbomExportService } from '../../security/sbom-export.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const Format = Type.Union([Type.Literal('cyclonedx'), Type.Literal('spdx')], { default: 'cyclonedx' });
const SpecVersion = Type.Union([Type.Literal('1.6'), Type.Literal('1.5')], { default: '1.6', description: 'CycloneDX spec version' });
const Document = Type.Unknown({ description: 'CycloneDX JSON (application/vnd.cyclonedx+json) or SPDX 2.3 JSON (application/spdx+json)' });

/** The public base of this server, for document namespaces. */
export const baseUrlOf = (req: FastifyRequest, publicUrl: string): string => publicUrl || `${req.protocol}://${req.host}`;

function sendDocument(reply: FastifyReply, doc: SbomDocumentStream) {
  return reply
    .type(doc.contentType)
    .header('Content-Disposition', `attachment; filename="${doc.filename}"`)
    .send(Readable.from(doc.chunks));
}

/** SBOM export (Repod RPM edition's /sbom routes); Repod's role matrix gives "export SBOM" to auditor, maintainer, admin. */
export const sbomRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; sbom: SbomExportService; publicUrl: string }> = async (app, { auth, sbom, publicUrl }) => {
  app.get(
    '/sbom/export',
    {
      preHandler: requirePermission(auth, 'security:read'),
      schema: {
        summary: 'SBOM of every distribution or of one (streamed)',
        tags: ['security'],
        querystring: Type.Object({ format: Format, spec_version: SpecVersion, distribution: Type.Optional(Type.String({ maxLength: 100 })), arch: Type.Optional(Type.String({ maxLength: 50 })) }),
        response: { 200: Document, ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query;
      return sendDocument(reply, await sbom.exportSbom({ format: q.format, specVersion: q.spec_version, distribution: q.distribution, arch: q.arch, baseUrl: baseUrlOf(req, publicUrl) }));
    },
  );

  app.get(
    '/sbom/:name/:version',
    {
      preHandler: requirePermission(auth, 'security:read'),
      schema: {
        summary: 'SBOM of one package version with the packages it depends on in its distribution',
        tags: ['security'],
        params: Type.Object({ name: Type.String({ maxLength: 200 }), version: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object({ format: Format, spec_version: SpecVersion, distribution: Type.Optional(Type.String({ maxLength: 100 })), arch: Type.Optional(Type.String({ maxLength: 50 })) }),
        response: { 200: Document, ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query;
      return sendDocument(reply, await sbom.packageSbom(req.params.name, req.params.version, { format: q.format, specVersion: q.spec_version, distribution: q.distribution, arch: q.arch, baseUrl: baseUrlOf(req, publicUrl) }));
    },
  );
};
