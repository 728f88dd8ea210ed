// Who the dashboard acts as (the API key's name and role), shared by every page.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { graphql, type ResultOf } from './graphql.ts';

export const CallerQuery = graphql(`query Caller { caller { name role } }`);
/** Who the API takes the dashboard for; `refusal` is why it refused a request without a valid key. */
export type Caller = ResultOf<typeof CallerQuery>['caller'] & { refusal?: string };

export const CallerContext = createContext<Caller>({ name: 'anonymous', role: null });

export const useCaller = () => useContext(CallerContext);

const RANK = { viewer: 1, operator: 2, admin: 3 } as const;

/** Whether the caller's role reaches `role`: a viewer sees no action buttons at all. */
export function can(caller: Caller, role: 'operator' | 'admin'): boolean {
  return caller.role !== null && RANK[caller.role] >= RANK[role];
}
