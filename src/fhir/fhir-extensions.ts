import type { AccessContext } from '../access/index.js';
import type { OperationOutcomeIssue, Resource } from '../model/index.js';
import type { StoreTransaction } from '../storage/index.js';
import type { FhirRequest } from './fhir-request.js';

/**
 * How another capability (subscriptions, consent, …) takes part in the FHIR API without the FHIR
 * layer importing it: the HTTP assembly passes these in the FhirContext. Capabilities never import
 * each other; they meet here, through plain functions.
 */
export interface ResourceTypeExtension {
  /**
   * Before a create or update of this type is stored: checks and normalizes the resource (throw
   * OperationOutcomeError to refuse), and says what to do once the write has committed.
   */
  beforeWrite?(resource: Resource, access: AccessContext): Promise<PreparedWrite>;
  /**
   * Inside the write's transaction, for every new version of this type whoever writes it (API
   * create, update, patch; Bundle entries; loads): `current` is the stored version, if any. Throw
   * OperationOutcomeError to refuse. Reads go through `tx`: a pooled read here would wait for a
   * second connection while the write holds one.
   */
  checkVersion?(next: Resource, current: Resource | undefined, tx: StoreTransaction): Promise<void>;
  /** After a create, update or patch of this type committed (a type with it and no `beforeWrite` accepts PATCH). */
  afterWrite?(id: string): Promise<void>;
  /** After a delete of this type committed. */
  afterDelete?(id: string): Promise<void>;
  /** What a read returns of a stored resource (e.g. live state kept outside the resource). */
  present?(resource: Resource): Promise<Resource>;
}

export interface PreparedWrite {
  resource: Resource;
  warnings: OperationOutcomeIssue[];
  afterCommit(id: string): Promise<void>;
}

/** A FHIR operation (`$name`) on a resource type or instance. */
export interface FhirOperation {
  resourceType: string;
  level: 'type' | 'instance';
  /** Without `$`. */
  name: string;
  /** The SMART interaction that must be covered on the type: reading results is `r` or `s`. */
  interaction: 'r' | 's';
  /** Its OperationDefinition canonical, for the CapabilityStatement. */
  definition: string;
  /** `visibleIds`: the instance, or for a type-level operation every instance the caller may see. */
  handle(input: { id: string | undefined; params: [string, string][]; access: AccessContext; visibleIds: string[] }): Promise<Resource>;
}

/** What a response carried: the references when the handler knew them, else the body to read them from. */
export type DisclosedContent = { references: string[] } | { body: Resource };

export interface FhirExtensions {
  types: Record<string, ResourceTypeExtension>;
  operations: FhirOperation[];
  /** Called after every committed write through the API. */
  afterCommit(): void;
  /**
   * Before a successful response carrying resources leaves for a caller with a token (reads,
   * searches, history, operations, batches): the disclosure log records it durably (issue 5).
   */
  disclosed?(access: AccessContext, request: FhirRequest, sent: DisclosedContent): Promise<void>;
  /** Additions to the CapabilityStatement's `rest.resource` entry of a type (e.g. extensions). */
  capability?(resourceType: string): Record<string, unknown> | undefined;
  /** Extensions on the CapabilityStatement's `rest` entry (e.g. the subscriptions websocket URL). */
  restExtensions?(): Record<string, unknown>[];
}

export const NO_EXTENSIONS: FhirExtensions = { types: {}, operations: [], afterCommit: () => undefined };
