/**
 * The official R4 SearchParameters share one expression across many resource types
 * (`AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient) | …`). Evaluating the
 * whole union for every resource is wasteful, so we keep only the branches that start with the
 * resource type at hand. Splits on top-level `|`, outside parentheses and string literals.
 */
export function branchesFor(expression: string, resourceType: string): string[] {
  return splitTopLevelUnion(expression).filter((branch) => {
    const head = branch.replace(/^\(+/, '');
    return head === resourceType || head.startsWith(`${resourceType}.`) || head.startsWith(`${resourceType} `)
      || head.startsWith('Resource.') || head.startsWith('DomainResource.');
  });
}

export function splitTopLevelUnion(expression: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      branches.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  branches.push(expression.slice(start).trim());
  return branches.filter((branch) => branch.length > 0);
}
