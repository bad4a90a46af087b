import { randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { jwtVerify, SignJWT } from 'jose';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { UsersStore } from '../store/sql/users.store.js';

export interface AuthDeps {
  users: UsersStore;
  clock: Clock;
  jwtSecret: string;
  jwtExpireMinutes: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

const ISSUER = 'packyard';
// Verifying against this when the user does not exist keeps answers timing-equal for unknown users.
const DUMMY_HASH_INPUT = 'packyard-timing-equaliser';

export class AuthService {
  private readonly key: Uint8Array;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly deps: AuthDeps) {
    this.key = new TextEncoder().encode(deps.jwtSecret);
  }

  hashPassword(password: string): Promise<string> {
    return hash(password, { algorithm: 2 });
  }

  /** Creates the first admin when there are no users; returns the generated password when one was generated. */
  async bootstrapAdmin(username: string, password: string): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.deps.users.count()) > 0) return { created: false };
    const generated = password ? undefined : `${randomBytes(12).toString('base64url')}A1!`;
    await this.deps.users.create({
      username,
      passwordHash: await this.hashPassword(password || generated!),
      role: 'admin',
      createdAt: this.deps.clock.now().toISOString(),
    });
    return { created: true, generatedPassword: generated };
  }

  async login(username: string, password: string): Promise<IssuedToken> {
    const user = await this.deps.users.findByUsername(username);
    if (!user?.active) {
      this.dummyHash ??= this.hashPassword(DUMMY_HASH_INPUT);
      await verify(await this.dummyHash, password).catch(() => false);
      throw new AppError('BAD_CREDENTIALS');
    }
    if (!(await verify(user.password_hash, password).catch(() => false))) throw new AppError('BAD_CREDENTIALS');
    const expiresIn = this.deps.jwtExpireMinutes * 60;
    const now = Math.floor(this.deps.clock.now().getTime() / 1000);
    const token = await new SignJWT({ role: user.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.username)
      .setIssuer(ISSUER)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(this.key);
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn };
  }

  /** Resolves a Bearer credential to an actor; the role is re-read from the database, not trusted from the token. */
  async authenticate(bearer: string): Promise<Actor> {
    let sub: string | undefined;
    try {
      const { payload } = await jwtVerify(bearer, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: this.deps.clock.now(),
      });
      sub = payload.sub;
    } catch {
      throw new AppError('AUTH_INVALID');
    }
    const user = sub ? await this.deps.users.findByUsername(sub) : undefined;
    if (!user?.active) throw new AppError('AUTH_INVALID');
    return { username: user.username, role: user.role };
  }
}
