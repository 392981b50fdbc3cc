/**
 * Who to tell, in this process, after a transaction that wrote resource versions committed: the
 * subscription matcher reads the change log at once instead of at its next poll — whichever
 * surface wrote (the FHIR API, the disclosure log's AuditEvents, a Consent from the portal, an
 * invitation, a review decision). On PostgreSQL a matcher that found changes waiting behind such a
 * transaction (ADR 0001) would otherwise look again only after backing off.
 */
export class CommitListeners {
  private readonly listeners: (() => void)[] = [];

  add(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Runs a transaction that calls `wrote` when it writes a version; once it committed (resolved),
   * tells the listeners if it wrote. A listener's failure never fails the committed transaction.
   */
  async around<T>(transaction: (wrote: () => void) => Promise<T>): Promise<T> {
    let wroteVersions = false;
    const result = await transaction(() => { wroteVersions = true; });
    if (wroteVersions) {
      for (const listener of this.listeners) {
        try {
          listener();
        } catch {
          // A hint only: the matcher also polls.
        }
      }
    }
    return result;
  }
}
