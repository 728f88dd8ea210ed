// The one way to build a ServiceContext. What a caller does not name gets what a lone process
// would use: an in-process bus, a silent log, the built-in settings (a copy: runtime settings
// are applied to it in place) and no job kinds.
import pino, { type Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { ServiceContext } from './context.ts';
import { createInProcessBus, type EventBus } from './events.ts';
import { KindRegistry } from './engine/kinds/registry.ts';
import { createJobNotifier } from './engine/notifier.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from './engine/settings.ts';

export interface ServiceParts {
  bus?: EventBus;
  log?: Logger;
  settings?: EngineSettings;
  kinds?: KindRegistry;
}

export function createServiceContext(db: Db, parts: ServiceParts = {}): ServiceContext {
  return {
    db,
    bus: parts.bus ?? createInProcessBus(),
    log: parts.log ?? pino({ level: 'silent' }),
    notifier: createJobNotifier(db),
    settings: parts.settings ?? { ...DEFAULT_ENGINE_SETTINGS },
    kinds: parts.kinds ?? new KindRegistry([]),
  };
}
