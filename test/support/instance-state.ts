/** Module-level state in a module the counting handler imports (like lambdas/shared/*). */
export const sharedState = { calls: 0 };
