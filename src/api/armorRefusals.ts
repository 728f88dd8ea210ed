// How graphql-armor's validation limits (depth, cost, aliases, directives) refuse an operation: as
// a validation error naming the limit, without the "Syntax Error:" armor puts before it (the
// operation is well-formed; it asks too much).
import { GraphQLError, type ValidationContext } from 'graphql';

export const armorRefusal = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => {
      const message = error.message.replace(/^Syntax Error: /, '');
      context?.reportError(new GraphQLError(`operation refused: ${message}`, { extensions: { code: 'LIMIT_EXCEEDED' } }));
    },
  ],
};
