/**
 * One counter for every test of a run that asks `sampleApplication` for a seq: the mother's ID
 * number is made from it, and two tests handing out numbers from counters of their own met on
 * the same mother in the same minute (a 409 "duplicate" in CI). A thousand numbers before they
 * wrap is more than a run asks for.
 */
let next = process.pid % 1000;

export function uniqueSeq(): number {
  return next++;
}
