import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../core/errors.js';

/** argon2id with the library's defaults (19 MiB, 2 passes): every stored hash and the dummy share them. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: 2 });
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}

/** 8-128 characters, at least one uppercase letter, at least one digit or symbol. */
export function checkPasswordPolicy(password: string): void {
  const violations: string[] = [];
  const length = [...password].length;
  if (length < 8) violations.push('at least 8 characters');
  if (length > 128) violations.push('at most 128 characters');
  if (!/\p{Lu}/u.test(password)) violations.push('at least one uppercase letter');
  if (!/[^\p{L}\s]/u.test(password)) violations.push('at least one digit or symbol');
  if (violations.length) {
    throw new AppError('PASSWORD_POLICY', `The password needs ${violations.join(', ')}`, { violations });
  }
}
