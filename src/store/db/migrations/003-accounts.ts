import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const id = dialectOf(db) === 'postgres' ? sql`serial primary key` : sql`integer primary key autoincrement`;

  await sql`alter table users add column full_name text not null default ''`.execute(db);
  await sql`alter table users add column email text not null default ''`.execute(db);
  await sql`alter table users add column last_login text`.execute(db);
  await sql`alter table users add column updated_at text`.execute(db);
  await sql`alter table users add column sessions_valid_after text`.execute(db);

  await sql`create table login_failures (
    username text primary key, failures integer not null default 0, locked_until text,
    last_failure_at text not null)`.execute(db);

  await sql`create table revoked_tokens (
    jti text primary key, username text not null, expires_at text not null, revoked_at text not null)`.execute(db);
  await sql`create index revoked_tokens_expiry on revoked_tokens (expires_at)`.execute(db);

  await sql`create table api_tokens (
    id ${id}, name text not null, prefix text not null, token_hash text not null unique,
    user_id integer not null, username text not null, role text not null, created_by text not null,
    created_at text not null, expires_at text, last_used_at text, revoked_at text)`.execute(db);
  await sql`create index api_tokens_user on api_tokens (username)`.execute(db);
}
