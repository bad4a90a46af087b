import type { Kysely } from 'kysely';
import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import { SEVERITIES } from '../formats/advisories/advisory.types.js';
import type { Database } from '../store/db/schema.js';
import { DEFAULT_POLICY, DEFAULT_RELEASE_MAP, POLICY_ACTIONS, type Policy, type PolicyAction } from './policy.js';
import type { SecurityDeps } from './security.types.js';

const POLICY_KEY = 'policy';
const MAP_KEY = 'release_map';

function checkAction(where: string, v: unknown): PolicyAction {
  if (typeof v !== 'string' || !(POLICY_ACTIONS as readonly string[]).includes(v)) {
    throw new AppError('VALIDATION_FAILED', `${where} must be one of ${POLICY_ACTIONS.join(', ')}`);
  }
  return v as PolicyAction;
}

/** The CVE policy and the distribution → feed release map, with their defaults. */
export class SecuritySettingsService {
  constructor(private readonly deps: Pick<SecurityDeps, 'db' | 'settings' | 'audit' | 'clock' | 'repositories'>) {}

  async policy(db?: Kysely<Database>): Promise<Policy> {
    const raw = await this.deps.settings.get(POLICY_KEY, db);
    return raw ? { ...DEFAULT_POLICY, ...(JSON.parse(raw) as Partial<Policy>) } : { ...DEFAULT_POLICY };
  }

  async putPolicy(actor: Actor, body: Record<string, unknown>): Promise<Policy> {
    const next: Policy = { ...(await this.policy()), distributions: {} };
    for (const s of SEVERITIES) if (body[s] !== undefined) next[s] = checkAction(s, body[s]);
    const overrides = (body.distributions ?? {}) as Record<string, Record<string, unknown>>;
    for (const [dist, o] of Object.entries(overrides)) {
      if (!(await this.deps.repositories.getByName(dist))) throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${dist}"`);
      next.distributions[dist] = {};
      for (const [s, a] of Object.entries(o ?? {})) {
        if (!(SEVERITIES as readonly string[]).includes(s)) throw new AppError('VALIDATION_FAILED', `unknown severity "${s}"`);
        next.distributions[dist][s as keyof Policy['distributions'][string]] = checkAction(`${dist}.${s}`, a);
      }
    }
    await this.deps.db.transaction().execute(async (trx) => {
      const at = this.deps.clock.now().toISOString();
      await this.deps.settings.put(trx, POLICY_KEY, JSON.stringify(next), at, actor.username);
      await this.deps.audit.record(trx, { actor, action: 'SETTING_CHANGE', result: 'SUCCESS', detail: { setting: 'security.policy', policy: next } });
    });
    return next;
  }

  /** Admin-configured release lists by distribution (without defaults). */
  private async overrides(db?: Kysely<Database>): Promise<Record<string, string[]>> {
    const raw = await this.deps.settings.get(MAP_KEY, db);
    return raw ? (JSON.parse(raw) as Record<string, string[]>) : {};
  }

  /** The feed releases whose advisories apply to a distribution. */
  async releaseKeys(distribution: string, db?: Kysely<Database>): Promise<string[]> {
    const o = await this.overrides(db);
    return o[distribution] ?? DEFAULT_RELEASE_MAP[distribution] ?? [];
  }

  async releaseMap(): Promise<Array<{ distribution: string; releases: string[]; configured: boolean }>> {
    const o = await this.overrides();
    return (await this.deps.repositories.list()).map((r) => ({
      distribution: r.name,
      releases: o[r.name] ?? DEFAULT_RELEASE_MAP[r.name] ?? [],
      configured: o[r.name] !== undefined,
    }));
  }

  async setReleases(actor: Actor | null, distribution: string, releases: string[], db: Kysely<Database> = this.deps.db): Promise<void> {
    if (!(await this.deps.repositories.getByName(distribution, db))) throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${distribution}"`);
    const clean = [...new Set(releases.map((r) => r.trim()).filter(Boolean))];
    const write = async (trx: Kysely<Database>) => {
      const o = await this.overrides(trx);
      o[distribution] = clean;
      await this.deps.settings.put(trx, MAP_KEY, JSON.stringify(o), this.deps.clock.now().toISOString(), actor?.username ?? 'system');
      await this.deps.audit.record(trx, { actor, username: 'system', action: 'SETTING_CHANGE', result: 'SUCCESS', distribution, detail: { setting: 'security.release_map', releases: clean } });
    };
    if (db.isTransaction) await write(db);
    else await this.deps.db.transaction().execute(write);
  }
}
