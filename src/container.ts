import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { AuditService } from './audit/audit.service.js';
import { AuthService } from './auth/auth.service.js';
import type { Config } from './config/config.js';
import { type Clock, systemClock } from './core/clock.js';
import { IngestService } from './content/ingest.service.js';
import { defaultRepositories } from './repo/default-repositories.js';
import { ChunkCache, IndexAssembler } from './repo/index-assembler.js';
import { createMemoryTrimmer } from './repo/memory-trim.js';
import { PublishService } from './repo/publish.service.js';
import { ServeService } from './repo/serve.service.js';
import type { Signer } from './repo/signer.js';
import { loadOrCreateSigner } from './repo/signing-key.js';
import { FsBlobStore } from './store/blobs/fs-blob.store.js';
import { migrate, openDatabase } from './store/db/database.js';
import type { Database } from './store/db/schema.js';
import { AuditStore } from './store/sql/audit.store.js';
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
  };
  audit: AuditService;
  auth: AuthService;
  publisher: PublishService;
  ingest: IngestService;
  serve: ServeService;
  close(): Promise<void>;
}

export async function createContainer(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Container> {
  const db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
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
  };
  const audit = new AuditService({ audit: stores.audit, clock });
  const auth = new AuthService({ users: stores.users, clock, jwtSecret: config.jwtSecret, jwtExpireMinutes: config.jwtExpireMinutes });
  const assembler = new IndexAssembler(blobs, stores.publications, new ChunkCache(8 * 1024 * 1024), () => clock.now().toISOString());
  const publisher = new PublishService({
    db,
    ...stores,
    blobs,
    assembler,
    signer,
    clock,
    logger,
    releaseValidDays: config.releaseValidDays,
    trimMemory: createMemoryTrimmer(),
  });
  const ingest = new IngestService({ db, blobs, ...stores, audit, publisher, clock });
  const serve = new ServeService({ ...stores, signer, clock, graceSeconds: config.publicationGraceSeconds, settle: (id) => publisher.settle(id) });

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

  return {
    config,
    logger,
    clock,
    db,
    blobs,
    signer,
    stores,
    audit,
    auth,
    publisher,
    ingest,
    serve,
    close: async () => {
      await publisher.idle();
      await db.destroy();
    },
  };
}
