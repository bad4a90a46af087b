import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Validators for the official schemas copied under test/fixtures/schemas (see its README for the upstream
 * commits): CycloneDX and SPDX are draft-07, OpenVEX is draft 2020-12; the CycloneDX schemas $ref the spdx
 * and jsf schemas by their $id.
 */
const DIR = path.resolve(import.meta.dirname, '../../fixtures/schemas');
const load = (f: string) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

function draft07(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // CycloneDX uses IRI formats ajv-formats lacks; any string without whitespace is accepted for them.
  ajv.addFormat('iri-reference', /^\S*$/);
  ajv.addFormat('idn-email', /^\S+@\S+$/);
  ajv.addSchema(load('cyclonedx-spdx.schema.json'));
  ajv.addSchema(load('cyclonedx-jsf-0.82.schema.json'));
  return ajv;
}

let cache: Record<string, ValidateFunction> | undefined;

export function validators(): Record<'cdx16' | 'cdx15' | 'spdx23' | 'openvex', ValidateFunction> {
  if (cache) return cache as never;
  const a = draft07();
  const v2020 = new Ajv2020({ strict: false, allErrors: true });
  addFormats(v2020);
  // OpenVEX uses the "iri" format, which ajv-formats does not define: an absolute IRI has a scheme.
  v2020.addFormat('iri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  cache = {
    cdx16: a.compile(load('cyclonedx-bom-1.6.schema.json')),
    cdx15: a.compile(load('cyclonedx-bom-1.5.schema.json')),
    spdx23: draft07().compile(load('spdx-2.3-schema.json')),
    openvex: v2020.compile(load('openvex-schema.json')),
  };
  return cache as never;
}

/** Asserts validity with the errors in the failure message. */
export function assertValid(v: ValidateFunction, doc: unknown): void {
  if (!v(doc)) throw new Error(`schema validation failed:\n${JSON.stringify(v.errors?.slice(0, 10), null, 2)}`);
}
