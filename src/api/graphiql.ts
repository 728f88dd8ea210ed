// GraphiQL, served by Pressroom itself from an installed package (no CDN: print shops often have
// no internet), opened on our example operations pointed at real jobs. The page's code (9 MB) is
// loaded the first time someone opens GraphiQL, not at start-up.
import type { GraphiQLOptions } from 'graphql-yoga';
import type { ServiceContext } from '../services/context.ts';
import { newestRunIds } from '../services/engine/jobs/recent.ts';
import { graphiqlExamples, renderExamples } from './examples/index.ts';

let renderer: Promise<(options?: GraphiQLOptions) => string> | undefined;

const loadRenderer = () => (renderer ??= import('@graphql-yoga/render-graphiql').then((module) => module.renderGraphiQL));

/** Yoga options: the page, and its options per request (the examples name the newest jobs). */
export function graphiqlPage(services: ServiceContext) {
  return {
    renderGraphiQL: async (options?: GraphiQLOptions) => (await loadRenderer())(options),
    graphiql: async (): Promise<GraphiQLOptions> => ({
      title: 'Pressroom',
      defaultQuery: renderExamples(graphiqlExamples, await newestRunIds(services.db)),
      // Every request GraphiQL sends (queries, and subscriptions over SSE) carries the header the
      // CSRF protection asks for: a page of another site cannot set it without a preflight.
      additionalHeaders: { 'x-graphql-yoga-csrf': 'graphiql' },
    }),
  };
}
