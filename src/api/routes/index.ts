// Every plain HTTP route the API process serves, in the order they are matched; anything else
// goes to GraphQL (/graphql). Add a concern's routes by importing its list here.
import { dashboardRoutes } from './dashboard.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { trackingRoutes } from './tracking.ts';
import type { HttpRoute } from './types.ts';

export const httpRoutes: HttpRoute[] = [...healthRoutes, ...metricsRoutes, ...trackingRoutes, ...dashboardRoutes];
