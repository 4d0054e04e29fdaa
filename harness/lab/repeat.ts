// How many times a lab runs: --repeat when given, else the lab's own
// `repeat:` (a lab hunting something intermittent asks for several runs so
// one default run has a chance to catch it), else once.

/**
 * Largest `repeat:` a lab may ask for: a default run of the catalogue must
 * stay within its time budget; hunting longer is for --repeat and --until-fail.
 */
export const MAX_LAB_REPEAT = 50;

/** The runs of `lab`: `override` (--repeat) when given, else the lab's `repeat:`, else 1. */
export function repeatsOf(lab: { repeat?: number }, override?: number): number {
  return override ?? lab.repeat ?? 1;
}
