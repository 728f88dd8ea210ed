import type { Governor } from '../../services/engine/types.ts';
import { builder } from '../builder.ts';

export const GovernorRef = builder.objectRef<Governor>('Governor').implement({
  description: 'A named single-run lock with a lease.',
  fields: (t) => ({
    name: t.exposeString('name'),
    holder: t.exposeString('holder', { nullable: true }),
    holderJobId: t.exposeID('holderJobId', { nullable: true }),
    acquiredAt: t.expose('acquiredAt', { type: 'DateTime', nullable: true }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime', nullable: true }),
    pending: t.exposeBoolean('pending', { description: 'A run was asked for while busy: it runs once more after release.' }),
    lastScheduledAt: t.expose('lastScheduledAt', { type: 'DateTime', nullable: true }),
  }),
});
