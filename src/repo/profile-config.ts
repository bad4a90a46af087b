import type { ProfileMember } from '../store/sql/profiles.store.js';

/** Placeholder the agent replaces with the host's environment. */
export const ENV_PLACEHOLDER = '__ENV__';
export const FILENAME_PREFIX = 'packyard-';

export interface ClientConfigContext {
  /** Public base URL of the server, without trailing slash. */
  baseUrl: string;
}

export interface ServerKeys {
  /** Armored key (dnf gpgkey, Repomanager's gpgkey_url). */
  armored: string;
  /** Binary keyring for APT signed-by. */
  keyring: string;
}

export function serverKeys(ctx: ClientConfigContext): ServerKeys {
  return { armored: `${ctx.baseUrl}/repos/key.asc`, keyring: `${ctx.baseUrl}/repos/key.gpg` };
}

export function hostnameOf(ctx: ClientConfigContext): string {
  return new URL(ctx.baseUrl).host;
}

/** Where the agent stores the keyring that signed-by names. */
export function keyringPath(ctx: ClientConfigContext): string {
  return `/etc/apt/keyrings/${new URL(ctx.baseUrl).hostname}.gpg`;
}

export function debUrl(ctx: ClientConfigContext, name: string, component: string, env: string): string {
  return `${ctx.baseUrl}/repo/deb/${name}/${name}/${component}/${env}`;
}

export function rpmUrl(ctx: ClientConfigContext, name: string, env: string): string {
  return `${ctx.baseUrl}/repo/rpm/${name}/${name}/${env}/$basearch/`;
}

export interface DebClientConfig {
  filename: string;
  filename_deb822: string;
  description: string;
  content: string;
  content_deb822: string;
  repo_server: string;
  repo_name: string;
  repo_distribution: string;
  repo_component: string;
  repo_url: string;
  gpgkey_url: string;
  gpgkey_keyring_url: string;
  filename_prefix: string;
}

export interface RpmClientConfig {
  filename: string;
  description: string;
  content: string;
  repo_server: string;
  repo_name: string;
  repo_releasever: string;
  repo_url: string;
  gpgkey_url: string;
  filename_prefix: string;
}

/** The Repomanager `repos` items: one per deb component, one per rpm repository. */
export function clientConfigs(ctx: ClientConfigContext, member: ProfileMember, components: string[]): Array<DebClientConfig | RpmClientConfig> {
  const env = member.environment || ENV_PLACEHOLDER;
  const keys = serverKeys(ctx);
  const server = hostnameOf(ctx);
  const name = member.repository;
  const description = `${name} repo on ${server}`;
  if (member.format === 'rpm') {
    const url = rpmUrl(ctx, name, env);
    const content = [`[${FILENAME_PREFIX}${name}_${env}]`, `name=${description} (${env})`, `baseurl=${url}`, 'enabled=1', 'gpgcheck=1', 'repo_gpgcheck=1', `gpgkey=${keys.armored}`, ''].join('\n');
    return [{ filename: `${FILENAME_PREFIX}${name}.repo`, description, content, repo_server: server, repo_name: name, repo_releasever: name, repo_url: url, gpgkey_url: keys.armored, filename_prefix: FILENAME_PREFIX }];
  }
  return components.map((component) => {
    const url = debUrl(ctx, name, component, env);
    const suffix = components.length > 1 ? `_${component}` : '';
    const signedBy = keyringPath(ctx);
    return {
      filename: `${FILENAME_PREFIX}${name}${suffix}.list`,
      filename_deb822: `${FILENAME_PREFIX}${name}${suffix}.sources`,
      description,
      content: `deb [signed-by=${signedBy}] ${url} ${name} ${component}`,
      content_deb822: ['Types: deb', `URIs: ${url}`, `Suites: ${name}`, `Components: ${component}`, `Signed-By: ${signedBy}`, ''].join('\n'),
      repo_server: server,
      repo_name: name,
      repo_distribution: name,
      repo_component: component,
      repo_url: url,
      gpgkey_url: keys.armored,
      gpgkey_keyring_url: keys.keyring,
      filename_prefix: FILENAME_PREFIX,
    };
  });
}

/** The `?new-format` item linupdate >= 3.17 reads. */
export function newFormatRepos(ctx: ClientConfigContext, member: ProfileMember, components: string[]) {
  const env = member.environment || ENV_PLACEHOLDER;
  const description = `${member.repository} repo on ${hostnameOf(ctx)}`;
  if (member.format === 'rpm') {
    return [{ name: member.repository, url: rpmUrl(ctx, member.repository, env), distribution: member.repository, component: '', description, filename_prefix: FILENAME_PREFIX }];
  }
  return components.map((component) => ({
    name: components.length > 1 ? `${member.repository}_${component}` : member.repository,
    url: debUrl(ctx, member.repository, component, env),
    distribution: member.repository,
    component,
    description,
    filename_prefix: FILENAME_PREFIX,
  }));
}
