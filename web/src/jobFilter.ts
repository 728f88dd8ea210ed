// The jobs page's filter, kept in the URL (#/jobs?status=failed&kind=...): a view can be shared.
import type { VariablesOf } from './graphql.ts';
import { graphql } from './graphql.ts';

export const STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type Status = (typeof STATUSES)[number];

export interface FilterForm {
  status: Status[];
  kind: string;
  queue: string;
  createdAfter: string;
  createdBefore: string;
  runIdPrefix: string;
  payloadText: string;
}

const TEXT_KEYS = ['kind', 'queue', 'createdAfter', 'createdBefore', 'runIdPrefix', 'payloadText'] as const;

export function formFromParams(params: URLSearchParams): FilterForm {
  const status = (params.get('status') ?? '').split(',').filter((s): s is Status => (STATUSES as readonly string[]).includes(s));
  const form = { status } as FilterForm;
  for (const key of TEXT_KEYS) form[key] = params.get(key) ?? '';
  return form;
}

export function paramsFromForm(form: FilterForm): URLSearchParams {
  const params = new URLSearchParams();
  if (form.status.length) params.set('status', form.status.join(','));
  for (const key of TEXT_KEYS) if (form[key]) params.set(key, form[key]);
  return params;
}

// A query of its own on the jobs page: the rows show without waiting for the count (a count of an
// unindexed payload-text filter reads up to 100,000 matches).
export const JobsCount = graphql(`query JobsCount($filter: JobFilter) { jobs(filter: $filter, first: 0) { totalCount totalCountExact } }`);
export type JobFilterInput = NonNullable<VariablesOf<typeof JobsCount>['filter']>;

/** datetime-local values are local times without a zone. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function filterOf(form: FilterForm): JobFilterInput {
  return {
    status: form.status.length ? form.status : undefined,
    kind: form.kind || undefined,
    queue: form.queue || undefined,
    createdAfter: isoOf(form.createdAfter),
    createdBefore: isoOf(form.createdBefore),
    runIdPrefix: form.runIdPrefix || undefined,
    payloadText: form.payloadText || undefined,
  };
}

export const isEmpty = (form: FilterForm) => form.status.length === 0 && TEXT_KEYS.every((key) => !form[key]);
