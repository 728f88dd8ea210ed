// What can be done to a job, from which statuses, with which role: the engine's transition table
// (docs/engine.md) as the dashboard shows it. The API decides; this only hides what it would refuse.
import { failureOf, mutate } from './api.ts';
import { graphql } from './graphql.ts';

const Retry = graphql(`mutation RetryJob($id: ID!, $reason: String) { result: retryJob(id: $id, reason: $reason) { __typename ... on Error { code message } } }`);
const Cancel = graphql(`mutation CancelJob($id: ID!, $reason: String) { result: cancelJob(id: $id, reason: $reason) { __typename ... on Error { code message } } }`);
const Pause = graphql(`mutation PauseJob($id: ID!, $reason: String) { result: pauseJob(id: $id, reason: $reason) { __typename ... on Error { code message } } }`);
const Resume = graphql(`mutation ResumeJob($id: ID!, $reason: String) { result: resumeJob(id: $id, reason: $reason) { __typename ... on Error { code message } } }`);
const ForceFail = graphql(`mutation ForceFailJob($id: ID!, $reason: String) { result: forceFailJob(id: $id, reason: $reason) { __typename ... on Error { code message } } }`);
const Delete = graphql(`mutation DeleteJob($id: ID!, $reason: String) { result: deleteJob(id: $id, reason: $reason) { __typename ... on Error { code message } } }`);

export interface JobAction {
  label: string;
  from: readonly string[];
  role: 'operator' | 'admin';
  danger?: boolean;
  run(id: string, reason: string): Promise<string | null>;
}

const action =
  (document: typeof Retry) =>
  async (id: string, reason: string): Promise<string | null> => {
    const outcome = await mutate(document, { id, reason });
    return outcome.error ?? failureOf(outcome.data?.result);
  };

export const JOB_ACTIONS: Record<'retry' | 'cancel' | 'pause' | 'resume' | 'forceFail' | 'delete', JobAction> = {
  retry: { label: 'Retry', from: ['failed', 'cancelled'], role: 'operator', run: action(Retry) },
  cancel: { label: 'Cancel', from: ['queued', 'paused', 'running'], role: 'operator', run: action(Cancel) },
  pause: { label: 'Pause', from: ['queued', 'running'], role: 'operator', run: action(Pause) },
  resume: { label: 'Resume', from: ['paused'], role: 'operator', run: action(Resume) },
  forceFail: { label: 'Force fail', from: ['queued', 'running', 'paused'], role: 'operator', danger: true, run: action(ForceFail) },
  delete: { label: 'Delete', from: ['queued', 'paused', 'completed', 'failed', 'cancelled'], role: 'admin', danger: true, run: action(Delete) },
};
