/**
 * Which nodes of a dependency graph production roots reach, and which dev roots reach. A package reached only
 * from dev roots is dev-only. Iterative, so deep or cyclic graphs are fine.
 */
export function reach(
  prodRoots: readonly string[],
  devRoots: readonly string[],
  edges: (node: string) => readonly string[],
): { prodSet: Set<string>; devSet: Set<string> } {
  const walk = (roots: readonly string[]): Set<string> => {
    const seen = new Set<string>()
    const stack = [...roots]
    while (stack.length > 0) {
      const n = stack.pop() as string
      if (seen.has(n)) continue
      seen.add(n)
      for (const m of edges(n)) if (!seen.has(m)) stack.push(m)
    }
    return seen
  }
  return { prodSet: walk(prodRoots), devSet: walk(devRoots) }
}
