/**
 * SMART App Launch 2.2 scopes as plain data ("Scopes and Launch Context",
 * hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html). Everything here is immutable
 * and comparable by value; `formatScope` turns any of it back into a scope-token.
 */

/** §"Scopes for requesting FHIR Resources": `patient/`, `user/` or `system/`. */
export type ScopeLevel = 'patient' | 'user' | 'system';

/** §"Scopes for requesting FHIR Resources": c create, r read, u update, d delete, s search. */
export type ScopeInteraction = 'c' | 'r' | 'u' | 'd' | 's';

/** The in-order string `.cruds` the spec names; interactions are always kept in this order. */
export const INTERACTION_ORDER: readonly ScopeInteraction[] = ['c', 'r', 'u', 'd', 's'];

/**
 * §"Finer-grained resource constraints using search parameters": the `?param=value&…` suffix, in
 * the order written. Values are kept raw (a `,` inside a value is FHIR search's OR); the params of
 * one query are ANDed.
 */
export type ScopeQuery = readonly (readonly [string, string])[];

/** A FHIR resource scope, v2 (`patient/Observation.rs`) or v1 (`patient/Observation.read`). */
export interface ResourceScope {
  readonly kind: 'resource';
  readonly level: ScopeLevel;
  /** A resource type, or `*` for every type "both now and in the future" (§"Wildcard scopes"). */
  readonly resourceType: string;
  /** Non-empty, in `cruds` order, no repeats. */
  readonly interactions: readonly ScopeInteraction[];
  /** Absent when the scope has no `?` suffix. */
  readonly query?: ScopeQuery;
  /**
   * The syntax the client used. §"Scopes for requesting FHIR Resources": servers "SHOULD return
   * v1 scopes when v1 scopes are requested and granted". `v1` only when `interactions` is one of
   * rs / cud / cruds and there is no query, so `formatScope(…, 'requested')` can always honour it.
   */
  readonly syntax: 'v1' | 'v2';
}

/**
 * §"Scopes for requesting context data": `launch` (EHR launch), `launch/patient`,
 * `launch/encounter`, other lower-case types (experimental), optionally `?role=…`.
 */
export interface LaunchScope {
  readonly kind: 'launch';
  /** Absent for the bare `launch` scope; otherwise the lower-case resource type. */
  readonly context?: string;
  readonly role?: string;
}

/**
 * Scopes that are exactly their name: identity (§"Scopes for requesting identity data" and OpenID
 * Connect `profile`) and refresh tokens (§"Scopes for requesting a refresh token").
 */
export const NAMED_SCOPES = ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'] as const;
export type NamedScopeName = (typeof NAMED_SCOPES)[number];

export interface NamedScope {
  readonly kind: NamedScopeName;
}

/**
 * A well-formed scope-token this module does not interpret: extension scopes (§"Extensibility":
 * full URIs or `__` prefixes), OpenID Connect `email`, …. Kept verbatim so the authorization
 * server can decide; never treated as covering anything but itself.
 */
export interface OtherScope {
  readonly kind: 'other';
  readonly text: string;
}

export type ParsedScope = ResourceScope | LaunchScope | NamedScope | OtherScope;

/** A token that is not a scope we accept, with the reason (for `error_description`). */
export interface InvalidScope {
  readonly text: string;
  readonly problem: string;
}

/** Which text form to write: canonical v2, or the syntax the client used (v1 kept when it was v1). */
export type ScopeSyntax = 'v2' | 'requested';
