import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { AuditService } from './audit/audit.service.js';
import { AuthService } from './auth/auth.service.js';
import type { Config } from './config/config.js';
import { type Clock, systemClock } from './core/clock.js';
import { IngestService } from './content/ingest.service.js';
import { AgentHub } from './hosts/agent-hub.js';
import { ApiKeyService } from './hosts/api-key.service.js';
import { ExposureService } from './hosts/exposure.service.js';
import { HostService } from './hosts/host.service.js';
import { InventoryService } from './hosts/inventory.service.js';
import { RequestService } from './hosts/request.service.js';
import { JobService } from './jobs/job.service.js';
import { defaultRepositories } from './repo/default-repositories.js';
import { ChunkCache, IndexAssembler } from './repo/index-assembler.js';
import { PublishService } from './repo/publish.service.js';
import { ServeService } from './repo/serve.service.js';
import type { Signer } from './repo/signer.js';
import { loadOrCreateSigner } from './repo/signing-key.js';
import { FsBlobStore } from './store/blobs/fs-blob.store.js';
import { migrate, openDatabase } from './store/db/database.js';
import type { Database } from './store/db/schema.js';
import { ApiKeysStore } from './store/sql/api-keys.store.js';
import { AuditStore } from './store/sql/audit.store.js';
import { HostRequestsStore } from './store/sql/host-requests.store.js';
import { HostsStore } from './store/sql/hosts.store.js';
import { HostsExposureStore } from './store/sql/hosts-exposure.store.js';
import { HostsInventoryStore } from './store/sql/hosts-inventory.store.js';
import { JobsStore } from './store/sql/jobs.store.js';
import { PackagesStore } from './store/sql/packages.store.js';
import { PublicationsStore } from './store/sql/publications.store.js';
import { RepositoriesStore } from './store/sql/repositories.store.js';
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
  publisher: PublishService;
  ingest: IngestService;
  serve: ServeService;
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
    apiKeys: new ApiKeysStore(db),
    hosts: new HostsStore(db),
    hostsInventory: new HostsInventoryStore(db),
    hostRequests: new HostRequestsStore(db),
    hostsExposure: new HostsExposureStore(db),
  };
  const jobs = new JobService({ jobs: stores.jobs, clock, logger });
  const audit = new AuditService({ audit: stores.audit, clock });
  const auth = new AuthService({ users: stores.users, clock, jwtSecret: config.jwtSecret, jwtExpireMinutes: config.jwtExpireMinutes });
  const assembler = new IndexAssembler(blobs, stores.publications, new ChunkCache(32 * 1024 * 1024), () => clock.now().toISOString());
  const publisher = new PublishService({
    db,
    ...stores,
    blobs,
    assembler,
    signer,
    clock,
    logger,
    releaseValidDays: config.releaseValidDays,
  });
  const ingest = new IngestService({ db, blobs, ...stores, audit, publisher, clock });
  const hub = new AgentHub();
  const hosts = {
    hub,
    apiKeys: new ApiKeyService({ db, apiKeys: stores.apiKeys, users: stores.users, audit, clock }),
    registry: new HostService({ db, hosts: stores.hosts, inventory: stores.hostsInventory, audit, clock, onDeleted: (id) => hub.drop(id) }),
    inventory: new InventoryService({ db, hosts: stores.hosts, inventory: stores.hostsInventory, clock }),
    requests: new RequestService({ db, hosts: stores.hosts, requests: stores.hostRequests, hub, audit, clock, logger }),
    // The security area wires its advisory store in with exposure.useAdvisories().
    exposure: new ExposureService({ hosts: stores.hosts, inventory: stores.hostsInventory, exposure: stores.hostsExposure }),
  };
  const serve = new ServeService({ ...stores, signer, clock, graceSeconds: config.publicationGraceSeconds });

  if ((await stores.repositories.count()) === 0) {
    for (const repo of defaultRepositories(clock.now().toISOString())) await stores.repositories.create(repo);
  }
  const admin = await auth.bootstrapAdmin(config.adminUsername, config.adminPassword);
  if (admin.generatedPassword) {
    logger.warn({ username: config.adminUsername, password: admin.generatedPassword }, 'created the first admin with a generated password; it is shown only once');
  }
  // Every repository serves signed (possibly empty) metadata from the start.
  for (const repo of await stores.repositories.list()) {
    if (repo.currentPublicationId === null) await publisher.publish(repo.id);
  }

  // An embedded (SQLite) server is the only process: any job still marked running died with the last one.
  if (!config.databaseUrl) await stores.jobs.requeueStale(clock.now().toISOString());
  jobs.start();
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
    publisher,
    ingest,
    serve,
    hosts,
    close: async () => {
      hosts.requests.stop();
      hub.closeAll();
      await jobs.stop();
      await publisher.idle();
      await db.destroy();
    },
  };
}
