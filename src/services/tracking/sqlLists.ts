// A list passed to SQL as one JSON parameter, compared with `= any(...)`: one prepared statement
// for any length of list, and an index scan even under a generic plan (`in (select …)` over the
// same list is planned as a semi-join that scans the whole table).
import { sql } from 'drizzle-orm';

export const anyText = (values: string[]) => sql`any(array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)))`;
export const anyBigint = (values: number[]) => sql`any(array(select (jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))::bigint))`;
