import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import { permissionsOf, ROLE_INFO, ROLES } from '../../auth/permissions.js';
import { AppError } from '../../core/errors.js';
import { requirePermission } from '../plugins/auth.js';
import { NewPassword, StatusOk, TokenResponse, UserSchema } from '../schemas/accounts.js';
import { errorResponses } from '../schemas/common.js';

/** Login and the caller's own session: logout, refresh, me, change-password; the role catalogue. */
export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  const session = requirePermission(auth, 'token:self');
  // Repod's own CLI logs in with a form body; accept it here (this plugin's scope only) as well as JSON.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post(
    '/auth/token',
    {
      schema: {
        summary: 'Log in with a username and password; returns a JWT',
        tags: ['auth'],
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 128 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }),
        response: { 200: TokenResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        return await auth.login(req.body.username, req.body.password, req.ip);
      } catch (err) {
        if (err instanceof AppError && err.code === 'ACCOUNT_LOCKED') reply.header('Retry-After', String(err.details?.retry_after ?? 60));
        throw err;
      }
    },
  );

  app.post(
    '/auth/logout',
    { preHandler: session, schema: { summary: 'Revoke the presented JWT', tags: ['auth'], response: { 200: Type.Object({ status: Type.Literal('logged_out') }), ...errorResponses } } },
    async (req) => {
      await auth.logout(req.principal!);
      return { status: 'logged_out' as const };
    },
  );

  app.post(
    '/auth/refresh',
    { preHandler: session, schema: { summary: 'A new JWT with a fresh expiry', tags: ['auth'], response: { 200: TokenResponse, ...errorResponses } } },
    async (req) => auth.refresh(req.principal!),
  );

  app.get(
    '/auth/me',
    {
      preHandler: session,
      schema: { summary: 'The authenticated user', tags: ['auth'], response: { 200: Type.Intersect([UserSchema, Type.Object({ auth: Type.String() })]), ...errorResponses } },
    },
    async (req) => auth.me(req.principal!),
  );

  app.post(
    '/auth/change-password',
    {
      preHandler: session,
      schema: {
        summary: "Change the caller's password",
        tags: ['auth'],
        body: Type.Object({ current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: NewPassword }),
        response: { 200: StatusOk, ...errorResponses },
      },
    },
    async (req) => {
      await auth.changePassword(req.principal!, req.body.current_password, req.body.new_password);
      return { status: 'ok', message: 'Password changed' };
    },
  );

  const RoleInfo = Type.Object({ label: Type.String(), description: Type.String(), color: Type.String(), permissions: Type.Array(Type.String()) });
  app.get(
    '/auth/roles',
    { schema: { summary: 'The built-in roles and their permissions', tags: ['auth'], response: { 200: Type.Object({ roles: Type.Record(Type.String(), RoleInfo) }) } } },
    async () => ({ roles: Object.fromEntries(ROLES.map((r) => [r, { ...ROLE_INFO[r], permissions: permissionsOf(r) }])) }),
  );
};
