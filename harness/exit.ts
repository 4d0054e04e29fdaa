// The CLI's exit statuses, and the error for bad input that maps to 2.

export const EXIT = { ok: 0, failed: 1, usage: 2, cannotRun: 3 } as const;

/** Bad input or usage: the CLI prints the message and exits 2, before anything was created. */
export class UsageError extends Error {}
