import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** Scratch directories of the sandboxes made by the current test file, removed once its tests are done. */
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Runs a command without blocking the event loop: required whenever the server under test lives in this
 * same process (apt-get and dnf talk to it while they run).
 */
export function runAsync(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

/** A scratch apt configuration: its own sources, lists, cache and status, nothing from the host. */
export class AptSandbox {
  readonly dir: string;

  constructor(sourcesLine: string, keyring: Buffer) {
    this.dir = scratchDir('packyard-apt-');
    for (const d of ['etc/apt/sources.list.d', 'etc/apt/preferences.d', 'etc/apt/apt.conf.d', 'etc/apt/trusted.gpg.d', 'state/lists/partial', 'cache/archives/partial', 'log']) {
      mkdirSync(path.join(this.dir, d), { recursive: true });
    }
    writeFileSync(path.join(this.dir, 'state/status'), '');
    writeFileSync(path.join(this.dir, 'packyard.gpg'), keyring);
    writeFileSync(path.join(this.dir, 'etc/apt/sources.list'), `${sourcesLine.replace('KEYRING', path.join(this.dir, 'packyard.gpg'))}\n`);
  }

  options(): string[] {
    const d = this.dir;
    return [
      '-o', `Dir::Etc=${d}/etc/apt`,
      '-o', `Dir::Etc::SourceList=${d}/etc/apt/sources.list`,
      '-o', `Dir::Etc::SourceParts=${d}/etc/apt/sources.list.d`,
      '-o', `Dir::State=${d}/state`,
      '-o', `Dir::State::status=${d}/state/status`,
      '-o', `Dir::Cache=${d}/cache`,
      '-o', `Dir::Log=${d}/log`,
      '-o', 'Debug::NoLocking=1',
      '-o', 'APT::Architecture=amd64',
      '-o', 'APT::Architectures::=amd64',
      '-o', 'Acquire::Languages=none',
      '-o', 'Acquire::Retries=0',
      '-o', 'APT::Sandbox::User=root',
    ];
  }

  apt(args: string[]): Promise<RunResult> {
    return runAsync('apt-get', [...this.options(), '-y', ...args]);
  }

  /** apt-get download into `cwd` (no dependency resolution, hash checked). */
  download(cwd: string, names: string[]): Promise<RunResult> {
    return runAsync('apt-get', [...this.options(), 'download', ...names], { cwd });
  }

  aptCache(args: string[]): Promise<RunResult> {
    return runAsync('apt-cache', [...this.options(), ...args]);
  }
}

/** A scratch dnf configuration with one repository, gpgcheck and repo_gpgcheck on. */
export class DnfSandbox {
  readonly dir: string;

  constructor(baseurl: string, keyUrl: string, releasever = '9') {
    this.dir = scratchDir('packyard-dnf-');
    mkdirSync(path.join(this.dir, 'repos'), { recursive: true });
    mkdirSync(path.join(this.dir, 'root'), { recursive: true });
    writeFileSync(
      path.join(this.dir, 'repos/packyard.repo'),
      `[packyard]\nname=Packyard\nbaseurl=${baseurl}\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=${keyUrl}\nmetadata_expire=0\n`,
    );
    this.releasever = releasever;
  }

  private readonly releasever: string;

  dnf(args: string[]): Promise<RunResult> {
    return runAsync('dnf', [
      '-y',
      `--installroot=${this.dir}/root`,
      `--setopt=reposdir=${this.dir}/repos`,
      `--setopt=cachedir=${this.dir}/cache`,
      '--setopt=keepcache=0',
      `--releasever=${this.releasever}`,
      '--forcearch=x86_64',
      '--disablerepo=*',
      '--enablerepo=packyard',
      ...args,
    ]);
  }
}
