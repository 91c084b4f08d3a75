/**
 * Checks a CLI report against the JSON Schema the package ships for its kind
 * (schemas/<report>.schema.json), with ajv in strict mode; throws listing every violation.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new Map<string, ValidateFunction>();

/** The validator of one report kind, compiled once. */
export function reportValidator(kind: string): ValidateFunction {
  let validate = compiled.get(kind);
  if (!validate) {
    const schema = JSON.parse(readFileSync(new URL(`../../schemas/${kind}.schema.json`, import.meta.url), 'utf8')) as object;
    validate = ajv.compile(schema);
    compiled.set(kind, validate);
  }
  return validate;
}

/** Throws unless `report` (parsed JSON with a `report` kind) is valid under its schema. */
export function assertValidReport(report: unknown, where = 'report'): void {
  const kind = (report as { report?: unknown } | null)?.report;
  if (typeof kind !== 'string') throw new Error(`${where}: no "report" field naming its kind`);
  const validate = reportValidator(kind);
  if (!validate(report)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new Error(`${where} does not match schemas/${kind}.schema.json: ${problems}`);
  }
}
