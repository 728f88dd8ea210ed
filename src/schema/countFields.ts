// totalCount and totalCountExact on a connection whose resolver returns a Counted (pagination.ts).
import { COUNT_CAP } from '../services/engine/cappedCount.ts';
import type { Counted } from './pagination.ts';

// The connection field builder's type is deep in Pothos' generics; only these two methods are used.
interface CountFieldBuilder {
  int(options: { description: string; resolve: (connection: object) => Promise<number> }): unknown;
  boolean(options: { description: string; resolve: (connection: object) => Promise<boolean> }): unknown;
}

/** `note`: how the count differs for some filters, appended to the descriptions. */
export function countFields(what: string, note = '') {
  return (tc: CountFieldBuilder) =>
    ({
      totalCount: tc.int({
        description: `How many ${what} match the filter, counted up to ${COUNT_CAP.toLocaleString('en')}; past that, ${COUNT_CAP} with totalCountExact false.${note}`,
        resolve: async (connection) => (await (connection as Counted).count()).count,
      }),
      totalCountExact: tc.boolean({
        description: `false when more than ${COUNT_CAP} match and totalCount stopped counting.${note}`,
        resolve: async (connection) => (await (connection as Counted).count()).exact,
      }),
    }) as never;
}
