import { Type } from 'typebox';
import { ROLES } from '../../auth/permissions.js';

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' });
/** Policy (8-128, uppercase, digit or symbol) is checked by the service so it answers 422 with a clear code. */
export const NewPassword = Type.String({ minLength: 1, maxLength: 1024 });
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

export const UserSchema = Type.Object({
  username: Type.String(),
  role: Type.String(),
  full_name: Type.String(),
  email: Type.String(),
  active: Type.Boolean(),
  last_login: Nullable(Type.String()),
  created_at: Type.String(),
  mfa_enabled: Type.Boolean(),
});

export const StatusOk = Type.Object({ status: Type.String(), message: Type.Optional(Type.String()) });

export const TokenResponse = Type.Object({ access_token: Type.String(), token_type: Type.Literal('bearer'), expires_in: Type.Integer() });

export const ApiTokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  role: Type.String(),
  prefix: Type.String(),
  username: Type.String(),
  created_by: Type.String(),
  created_at: Type.String(),
  expires_at: Nullable(Type.String()),
  last_used: Nullable(Type.String()),
  last_used_at: Nullable(Type.String()),
  revoked: Type.Boolean(),
  revoked_at: Nullable(Type.String()),
});
