import {
  decideAccess, InsufficientScope, resourceVisible, restrictSearch, seeable, visibilityOrNone, type AccessContext, type QueryContext, type Visibility,
} from '../access/index.js';
import { notFound, type Resource, type ScopeInteraction, type SearchRequest } from '../model/index.js';
import type { ResourceVersion, StoreReader } from '../storage/index.js';
import type { FhirContext } from './fhir-context.js';

/**
 * Applies `access` decisions to one FHIR request: the handlers ask it, never the scopes. Refusals
 * follow the rule: the type or interaction not covered → 403 `InsufficientScope`; a
 * particular resource outside what the caller may see → 404 `not-found`, worded exactly as for
 * a resource that does not exist, so its existence does not leak.
 */
export class AccessGuard {
  constructor(private readonly ctx: FhirContext, readonly access: AccessContext) {}

  /** What `interaction` may reach on `resourceType`; throws `InsufficientScope`. */
  visibility(resourceType: string, interaction: ScopeInteraction): Visibility {
    return decideAccess(this.access, resourceType, interaction, this.queryContext());
  }

  /** `visibility`, or `undefined` where it would refuse: for places that drop what is not covered. */
  visibilityOrNone(resourceType: string, interaction: ScopeInteraction): Visibility | undefined {
    return visibilityOrNone(this.access, resourceType, interaction, this.queryContext());
  }

  /** What may be seen of a type by reading or searching; `undefined` for nothing. */
  seeable(resourceType: string): Visibility | undefined {
    return seeable(this.access, resourceType, this.queryContext());
  }

  /** Confines a search (matches and includes) to what the caller may see. */
  restrict(request: SearchRequest): void {
    restrictSearch(this.access, request, this.queryContext());
  }

  /**
   * 404 unless `visibility` admits this version. A deletion is judged by the version it deleted,
   * so a 410 Gone does not reveal that someone else's resource once existed.
   */
  async checkVisible(db: StoreReader, visibility: Visibility, version: ResourceVersion | undefined): Promise<void> {
    if (!version || visibility === 'everything') return;
    if (!(await this.isVisible(db, visibility, version))) throw notFound(`${version.resourceType}/${version.id} is not known`);
  }

  async isVisible(db: StoreReader, visibility: Visibility, version: ResourceVersion): Promise<boolean> {
    if (visibility === 'everything') return true;
    const content = version.deleted && version.versionId > 1 ? await db.readVersion(version.resourceType, version.id, version.versionId - 1) : version;
    if (!content || content.json === null) return false;
    return resourceVisible(visibility, JSON.parse(content.json) as Resource, content.lastUpdated, this.ctx.fhirBase);
  }

  /**
   * 403 unless `visibility` admits the resource as it is about to be written (App Launch 2.2:
   * with a granular scope, what is created or updated must match its query; a patient/ scope
   * writes only into its patient's compartment).
   */
  checkWritable(visibility: Visibility, resource: Resource, interaction: 'c' | 'u'): void {
    if (visibility === 'everything') return;
    if (!resourceVisible(visibility, resource, this.ctx.clock.now().getTime(), this.ctx.fhirBase)) {
      const verb = interaction === 'c' ? 'create' : 'update';
      throw new InsufficientScope(`The granted scopes do not allow this ${verb}: the ${resource.resourceType} would be outside what they cover`);
    }
  }

  private queryContext(): QueryContext {
    return { now: this.ctx.clock.now().getTime(), localBase: this.ctx.fhirBase };
  }
}
