// The supervisor's services: the tick and its tasks, the manual recovery they offer, its state.
export * from './retention.ts';
export * from './settings.ts';
export * from './state.ts';
export * from './stuckWork.ts';
export * from './tick.ts';
export * from './types.ts';
