import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { AuditService } from './audit/audit.service.js';
import { ApiTokensService } from './auth/api-tokens.service.js';
import { AuthService } from './auth/auth.service.js';
import { UsersService } from './auth/users.service.js';
import type { Config } from './config/config.js';
import { type Clock, systemClock } from './core/clock.js';
import { CatalogService } from './content/catalog.service.js';
import { IngestService } from './content/ingest.service.js';
import { AgentHub } from './hosts/agent-hub.js';
import { ApiKeyService } from './hosts/api-key.service.js';
import { ExposureService } from './hosts/exposure.service.js';
import { HostService } from './hosts/host.service.js';
import { InventoryService } from './hosts/inventory.service.js';
import { RequestService } from './hosts/request.service.js';
import { JobService } from './jobs/job.service.js';
import { createOperations, type Operations } from './ops/operations.js';
import { defaultRepositories } from './repo/default-repositories.js';
import { createRepoEnvironments, type RepoEnvironments } from './repo/environment.wiring.js';
import { RemovalService } from './content/removal.service.js';
import { DistributionService } from './repo/distribution.service.js';
import { ChunkCache, IndexAssembler } from './repo/index-assembler.js';
import { PromotionService } from './repo/promotion.service.js';
import { createMemoryTrimmer } from './repo/memory-trim.js';
import { PublishService } from './repo/publish.service.js';
import { ServeService } from './repo/serve.service.js';
import type { UploadCheck } from './content/upload-check.js';
import { ClamavUploadCheck, ClamdClient } from './security/clamav.js';
import { SbomExportService } from './security/sbom-export.service.js';
import { loadTrustedKeys, SignatureUploadCheck, SignatureVerifier } from './security/signature-verify.js';
import { VexExportService } from './security/vex-export.service.js';
import { SecurityAdvisoryLookup } from './security/security-advisory-lookup.js';
import { SecurityVexSource } from './security/security-vex-source.js';
import { SecurityService } from './security/security.service.js';
import type { Signer } from './repo/signer.js';
import { loadOrCreateSigner } from './repo/signing-key.js';
import type { PackageGate } from './security/gate.js';
import { FsBlobStore } from './store/blobs/fs-blob.store.js';
import { migrate, openDatabase } from './store/db/database.js';
import type { Database } from './store/db/schema.js';
import { ApiTokensStore } from './store/sql/api-tokens.store.js';
import { AuditStore } from './store/sql/audit.store.js';
import { AdvisoriesStore } from './store/sql/advisories.store.js';
import { DecisionsStore } from './store/sql/decisions.store.js';
import { FindingsStore } from './store/sql/findings.store.js';
import { ApiKeysStore } from './store/sql/api-keys.store.js';
import { HostRequestsStore } from './store/sql/host-requests.store.js';
import { HostsStore } from './store/sql/hosts.store.js';
import { HostsExposureStore } from './store/sql/hosts-exposure.store.js';
import { HostsInventoryStore } from './store/sql/hosts-inventory.store.js';
import { JobsStore } from './store/sql/jobs.store.js';
import { LoginFailuresStore } from './store/sql/login-failures.store.js';
import { CatalogStore } from './store/sql/catalog.store.js';
import { SecurityPackagesStore } from './store/sql/security-packages.store.js';
import { SecuritySettingsStore } from './store/sql/security-settings.store.js';
import { PackagesStore } from './store/sql/packages.store.js';
import { PublicationsStore } from './store/sql/publications.store.js';
import { RepositoriesStore } from './store/sql/repositories.store.js';
import { RevokedTokensStore } from './store/sql/revoked-tokens.store.js';
import { SbomStore } from './store/sql/sbom.store.js';
import { SnapshotsStore } from './store/sql/snapshots.store.js';
import { UsersStore } from './store/sql/users.store.js';

/** The composition root: every dependency is built here, by hand, once. */
export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  db: Kysely<Database>;
  blobs: FsBlobStore;
  signer: Signer;
  stores: {
    repositories: RepositoriesStore;
    packages: PackagesStore;
    snapshots: SnapshotsStore;
    publications: PublicationsStore;
    users: UsersStore;
    audit: AuditStore;
    jobs: JobsStore;
    apiTokens: ApiTokensStore;
    loginFailures: LoginFailuresStore;
    revokedTokens: RevokedTokensStore;
    catalog: CatalogStore;
    apiKeys: ApiKeysStore;
    hosts: HostsStore;
    hostsInventory: HostsInventoryStore;
    hostRequests: HostRequestsStore;
    hostsExposure: HostsExposureStore;
  };
  jobs: JobService;
  /** Hosts area: API keys, host registry and inventory, agent requests and channel, fleet exposure. */
  hosts: {
    apiKeys: ApiKeyService;
    registry: HostService;
    inventory: InventoryService;
    requests: RequestService;
    exposure: ExposureService;
    hub: AgentHub;
  };
  audit: AuditService;
  auth: AuthService;
  users: UsersService;
  apiTokens: ApiTokensService;
  publisher: PublishService;
  ingest: IngestService;
  serve: ServeService;
  envs: RepoEnvironments;
  sbomExport: SbomExportService;
  vexExport: VexExportService;
  /** The security gate every route that puts a package into a repository asks first. */
  gate: PackageGate;
  catalog: CatalogService;
  removal: RemovalService;
  distributions: DistributionService;
  promotion: PromotionService;
  ops: Operations;
  security: SecurityService;
  close(): Promise<void>;
}

export async function createContainer(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Container> {
  const db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, onPoolError: (err) => logger.warn({ err }, 'database connection lost') });
  await migrate(db);
  const blobs = new FsBlobStore(path.join(config.dataDir, 'blobs'));
  await blobs.init();
  const signer = await loadOrCreateSigner(
    { dataDir: config.dataDir, algorithm: config.signingKeyAlgorithm, importFile: config.signingKeyFile, passphrase: config.signingKeyPassphrase },
    (msg) => logger.info(msg),
  );
  const stores = {
    repositories: new RepositoriesStore(db),
    packages: new PackagesStore(db),
    snapshots: new SnapshotsStore(db),
    publications: new PublicationsStore(db),
    users: new UsersStore(db),
    audit: new AuditStore(db),
    jobs: new JobsStore(db),
    apiTokens: new ApiTokensStore(db),
    loginFailures: new LoginFailuresStore(db),
    revokedTokens: new RevokedTokensStore(db),
    catalog: new CatalogStore(db),
    apiKeys: new ApiKeysStore(db),
    hosts: new HostsStore(db),
    hostsInventory: new HostsInventoryStore(db),
    hostRequests: new HostRequestsStore(db),
    hostsExposure: new HostsExposureStore(db),
  };
  const jobs = new JobService({ jobs: stores.jobs, clock, logger });
  const ops = createOperations({ config, db, blobs, signer, clock, logger, jobQueueDepth: () => jobs.queueDepth() });
  const audit = new AuditService({ audit: stores.audit, clock });
  const apiTokens = new ApiTokensService({ db, tokens: stores.apiTokens, users: stores.users, audit, clock });
  const auth = new AuthService({
    db,
    users: stores.users,
    loginFailures: stores.loginFailures,
    revokedTokens: stores.revokedTokens,
    apiTokens,
    audit,
    clock,
    jwtSecret: config.jwtSecret,
    jwtExpireMinutes: config.jwtExpireMinutes,
    loginMaxAttempts: config.loginMaxAttempts,
    loginLockoutMinutes: config.loginLockoutMinutes,
  });
  const users = new UsersService({ db, users: stores.users, tokens: stores.apiTokens, loginFailures: stores.loginFailures, audit, clock });
  const trimmer = createMemoryTrimmer();
  const assembler = new IndexAssembler(blobs, stores.publications, new ChunkCache(8 * 1024 * 1024), () => clock.now().toISOString(), trimmer);
  const publisher = new PublishService({
    db,
    ...stores,
    blobs,
    assembler,
    signer,
    clock,
    logger,
    releaseValidDays: config.releaseValidDays,
    trimMemory: trimmer,
    onPublished: (repo, ms) => ops.metrics.observePublish(repo.name, ms / 1000, 'success'),
  });
  const security = new SecurityService({
    db,
    clock,
    logger,
    audit,
    jobs,
    publisher,
    blobs,
    repositories: stores.repositories,
    snapshots: stores.snapshots,
    advisories: new AdvisoriesStore(db),
    findings: new FindingsStore(db),
    decisions: new DecisionsStore(db),
    settings: new SecuritySettingsStore(db),
    packages: new SecurityPackagesStore(db),
  });
  const gate: PackageGate = security.gate;
  
  const checks: UploadCheck[] = [];
  if (config.clamavSocket) checks.push(new ClamavUploadCheck(new ClamdClient({ address: config.clamavSocket, timeoutMs: config.clamavTimeoutMs }), config.clamavRequired));
  if (config.signaturePolicy !== 'off') {
    checks.push(new SignatureUploadCheck(new SignatureVerifier(await loadTrustedKeys(config.trustedKeysDir)), config.signaturePolicy));
  }
  const ingest = new IngestService({ db, blobs, ...stores, audit, publisher, clock, checks, gate });
  const hub = new AgentHub();
  const hosts = {
    hub,
    apiKeys: new ApiKeyService({ db, apiKeys: stores.apiKeys, users: stores.users, audit, clock }),
    registry: new HostService({ db, hosts: stores.hosts, inventory: stores.hostsInventory, audit, clock, onDeleted: (id) => hub.drop(id) }),
    inventory: new InventoryService({ db, hosts: stores.hosts, inventory: stores.hostsInventory, clock }),
    requests: new RequestService({ db, hosts: stores.hosts, requests: stores.hostRequests, hub, audit, clock, logger }),
    exposure: new ExposureService({ hosts: stores.hosts, inventory: stores.hostsInventory, exposure: stores.hostsExposure }),
  };
  hosts.exposure.useAdvisories(new SecurityAdvisoryLookup({ advisories: new AdvisoriesStore(db), settings: security.settings }));
  const serve = new ServeService({ ...stores, signer, clock, graceSeconds: config.publicationGraceSeconds, settle: (id) => publisher.settle(id) });
  const envs = createRepoEnvironments({ config, db, logger, clock, blobs, stores, publisher, ingest, jobs, audit });
  const sbomStore = new SbomStore(db);
  const toolVersion = packyardVersion();
  const sbomExport = new SbomExportService({ repositories: stores.repositories, sbom: sbomStore, clock, newSerial: randomUUID, toolVersion });
  const vexSource = new SecurityVexSource({ security, repositories: stores.repositories, packages: new SecurityPackagesStore(db) });
  const vexExport = new VexExportService({ source: vexSource, repositories: stores.repositories, sbom: sbomStore, clock, newSerial: randomUUID, toolVersion });
  const catalog = new CatalogService({ catalog: stores.catalog, blobs });
  const removal = new RemovalService({ db, ...stores, audit, publisher, clock });
  const distributions = new DistributionService({ db, ...stores, audit, publisher, clock });
  const promotion = new PromotionService({ db, ...stores, gate, audit, publisher, clock });

  if ((await stores.repositories.count()) === 0) {
    for (const repo of defaultRepositories(clock.now().toISOString())) await stores.repositories.create(repo);
  }
  const admin = await auth.bootstrapAdmin(config.adminUsername, config.adminPassword);
  if (admin.generatedPassword) {
    logger.warn({ username: config.adminUsername, password: admin.generatedPassword }, 'created the first admin with a generated password; it is shown only once');
  }
  await publisher.repairMissingBlobs();
  // Every repository serves signed (possibly empty) metadata from the start.
  for (const repo of await stores.repositories.list()) {
    if (repo.currentPublicationId === null) await publisher.publish(repo.id);
  }

  // An embedded (SQLite) server is the only process: any job still marked running died with the last one.
  if (!config.databaseUrl) await stores.jobs.requeueStale(clock.now().toISOString());
  await security.start(jobs, stores.jobs);
  jobs.start();
  envs.start();
  hosts.requests.start(2000);

  return {
    config,
    logger,
    clock,
    db,
    blobs,
    signer,
    stores,
    audit,
    jobs,
    auth,
    users,
    apiTokens,
    publisher,
    ingest,
    serve,
    envs,
    sbomExport,
    vexExport,
    gate,
    catalog,
    removal,
    distributions,
    promotion,
    ops,
    security,
    hosts,
    close: async () => {
      envs.stop();
      hosts.requests.stop();
      hub.closeAll();
      await jobs.stop();
      await publisher.idle();
      await db.destroy();
    },
  };
}

/** The version in package.json (one level above both src/ and dist/), named as the tool in exported documents. */
function packyardVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
