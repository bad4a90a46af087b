/**
 * Plain input of the SBOM writers (CycloneDX, SPDX). Built by the SBOM service from stored package rows
 * (packages.meta = parsed package without files, packages.files = file list); nothing here knows the database.
 */
import type { FileEntry } from '../types.js';

/** A dependency as the package declares it, already split into alternatives (deb `a | b`). */
export interface SbomDependencyClause {
  /** Alternatives; the first one present in the set wins. */
  anyOf: Array<{ name: string; op: '<<' | '<=' | '=' | '>=' | '>>' | null; version: string | null }>;
}

export interface SbomPackage {
  format: 'deb' | 'rpm';
  name: string;
  /** Display version as stored: deb "[epoch:]upstream[-revision]", rpm "[epoch:]version-release". */
  version: string;
  /** rpm only: the parts the purl needs separately. */
  rpm?: { epoch: number; version: string; release: string };
  arch: string;
  /** The distribution (repository name) the package is a member of; becomes the purl `distro` qualifier. */
  distribution: string;
  /** purl namespace: debian, ubuntu, almalinux, rocky, fedora, redhat, ... (see purlVendor). */
  vendor: string;
  source: string;
  summary: string;
  /** rpm License tag; null for deb (a .deb has no licence field in its control file). */
  license: string | null;
  supplier: string | null;
  homepage: string | null;
  filename: string;
  size: number;
  sha256: string;
  sha1: string;
  md5: string;
  /** Names (deb Provides, rpm provides) this package satisfies besides its own name. */
  provides: Array<{ name: string; version: string | null }>;
  depends: SbomDependencyClause[];
  files: FileEntry[];
}

/** Document-level facts, passed in so that output is deterministic. */
export interface SbomDocumentInfo {
  /** RFC 4122 UUID (without the urn:uuid: prefix). */
  serial: string;
  /** ISO-8601 timestamp. */
  timestamp: string;
  /** Human name of the set ("nginx 1.24.0", "packyard jammy"). */
  name: string;
  toolVersion: string;
  /** Base URI for SPDX documentNamespace (e.g. the server's public URL). */
  namespaceBase: string;
  /** For a single-package SBOM: the bom-ref of the package it describes. */
  subject?: string;
}
