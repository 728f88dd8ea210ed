// Every mutation is logged once, in the process that ran it, as an operator reads it: who did
// what, with which reason, and how it ended (the result's type: the value, or a typed error).
import { Kind, getOperationAST, type FieldNode, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ApiContext } from './context.ts';

export function operatorLogPlugin(): Plugin<ApiContext> {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const context = args.contextValue as ApiContext;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const fields = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
      return {
        onExecuteDone({ result }) {
          if (!('data' in result) && !('errors' in result)) return;
          const data = (result.data ?? {}) as Record<string, { __typename?: string; message?: string } | null>;
          for (const field of fields) {
            const answer = data[field.alias?.value ?? field.name.value];
            const outcome = answer?.__typename ?? (answer ? 'done' : 'refused');
            const reasonArg = field.arguments?.find((a) => a.name.value === 'reason');
            const reason = reasonArg ? valueOf(reasonArg.value, variables) : undefined;
            const failed = outcome.endsWith('Error') || outcome === 'refused';
            context.services.log[failed ? 'warn' : 'info'](
              { actor: context.caller.name, operation: field.name.value, reason: reason ?? null, outcome },
              `${context.caller.name} ran ${field.name.value}${reason ? ` (reason: ${reason})` : ''}: ${failed && answer?.message ? answer.message : outcome}`,
            );
          }
        },
      };
    },
  };
}

function valueOf(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.STRING) return node.value;
  return undefined;
}
