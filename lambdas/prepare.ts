// Placeholder until the handler lands; see docs/internals.md for its contract.
export async function handler(_event: unknown): Promise<unknown> {
  throw new Error('prepare handler is not implemented yet');
}
