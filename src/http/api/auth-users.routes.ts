import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { UsersService } from '../../auth/users.service.js';
import { requirePermission } from '../plugins/auth.js';
import { NewPassword, RoleSchema, StatusOk, Username, UserSchema } from '../schemas/accounts.js';
import { errorResponses } from '../schemas/common.js';

/** User administration, admins only. */
export const authUserRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; users: UsersService }> = async (app, { auth, users }) => {
  const admin = requirePermission(auth, 'user:admin');
  const params = Type.Object({ username: Username });
  const tags = ['users'];

  app.get('/auth/users', { preHandler: admin, schema: { summary: 'List users', tags, response: { 200: Type.Object({ users: Type.Array(UserSchema) }), ...errorResponses } } }, async () => ({
    users: await users.list(),
  }));

  app.post(
    '/auth/users',
    {
      preHandler: admin,
      schema: {
        summary: 'Create a user',
        tags,
        body: Type.Object({
          username: Username,
          password: NewPassword,
          role: Type.Optional(RoleSchema),
          full_name: Type.Optional(Type.String({ maxLength: 200 })),
          email: Type.Optional(Type.String({ maxLength: 320 })),
        }),
        response: { 201: UserSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await users.create(req.actor!, req.body)),
  );

  app.patch(
    '/auth/users/:username',
    {
      preHandler: admin,
      schema: {
        summary: "Change a user's role, name, email or active flag",
        tags,
        params,
        body: Type.Object({
          role: Type.Optional(RoleSchema),
          full_name: Type.Optional(Type.String({ maxLength: 200 })),
          email: Type.Optional(Type.String({ maxLength: 320 })),
          active: Type.Optional(Type.Boolean()),
        }),
        response: { 200: UserSchema, ...errorResponses },
      },
    },
    async (req) => users.update(req.actor!, req.params.username, req.body),
  );

  app.delete(
    '/auth/users/:username',
    { preHandler: admin, schema: { summary: 'Delete a user (their API tokens are revoked)', tags, params, response: { 200: Type.Object({ status: Type.Literal('deleted') }), ...errorResponses } } },
    async (req) => {
      await users.delete(req.actor!, req.params.username);
      return { status: 'deleted' as const };
    },
  );

  app.post(
    '/auth/users/:username/reset-password',
    {
      preHandler: admin,
      schema: { summary: "Set a user's password; ends their sessions", tags, params, body: Type.Object({ new_password: NewPassword }), response: { 200: StatusOk, ...errorResponses } },
    },
    async (req) => {
      await users.resetPassword(req.actor!, req.params.username, req.body.new_password);
      return { status: 'ok' };
    },
  );
};
