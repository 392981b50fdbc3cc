/**
 * One element found by a search parameter's expression, with its FHIR type name (`HumanName`,
 * `dateTime`, `Patient` for a whole resource). The value is the plain JSON of the element.
 */
export interface TypedValue {
  type: string;
  value: unknown;
}

/** FHIR R4 primitive types (R4 datatypes §2.24.0.1); complex type names start upper-case. */
export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer',
  'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml',
]);

/**
 * The FHIR type name for a type as the fhirpath model writes it: choice suffixes are capitalized
 * (`valueDateTime` → `DateTime` → `dateTime`) and FHIRPath system types are prefixed `System.`.
 */
export function typedValue(modelType: string, value: unknown): TypedValue {
  return { type: fhirTypeName(modelType), value };
}

const SYSTEM_TYPES: Record<string, string> = {
  'System.String': 'string', 'System.Boolean': 'boolean', 'System.Integer': 'integer', 'System.Decimal': 'decimal',
  'System.Date': 'date', 'System.DateTime': 'dateTime', 'System.Time': 'time', 'System.Quantity': 'Quantity',
};

export function fhirTypeName(modelType: string): string {
  const system = SYSTEM_TYPES[modelType];
  if (system) return system;
  const bare = modelType.startsWith('FHIR.') ? modelType.slice(5) : modelType;
  const lower = bare.charAt(0).toLowerCase() + bare.slice(1);
  return PRIMITIVE_TYPES.has(lower) ? lower : bare;
}
