import type { z } from 'zod';
import { contract, methodNames, type InflowService } from '../contract/index.ts';
import type { MethodSpec, Result } from '../contract/method.ts';
import { InflowError, serializeError } from '../errors.ts';
import { storageError } from '../store/storage-errors.ts';

/** Calls one contract method by name with untrusted input; never throws. */
export type Dispatch = (methodName: string, input: unknown) => Promise<Result<unknown>>;

/**
 * The trust boundary shared by the Electron main process and the e2e bridge: only allow-listed
 * `domain.method` names, input parsed by the method's zod schema, every failure turned into
 * `{ok:false, error:{code, message, hint}}` so the renderer can show what went wrong and how to fix it.
 */
export function createDispatch(service: InflowService): Dispatch {
  const allowed = new Set(methodNames);
  return async (methodName, input) => {
    try {
      if (!allowed.has(methodName)) {
        throw new InflowError('UNKNOWN_METHOD', `There is no method "${methodName}".`, {
          hint: 'The renderer and the back end are from different versions; restart the app.',
        });
      }
      const [domain, name] = methodName.split('.') as [keyof InflowService, string];
      const spec = (contract[domain] as Record<string, MethodSpec<z.ZodType, unknown>>)[name]!;
      const parsed = spec.input.safeParse(input ?? undefined);
      if (!parsed.success) throw invalidInput(methodName, parsed.error);
      const handler = (service[domain] as Record<string, (value: unknown) => Promise<unknown>>)[name]!;
      const value = await handler.call(service[domain], parsed.data);
      return { ok: true, value };
    } catch (error) {
      const serialized = serializeError(storageError(error) ?? error); // a full disk is DISK_FULL, not a SQLite message

      return {
        ok: false,
        error: { code: serialized.code, message: serialized.message, ...(serialized.hint === undefined ? {} : { hint: serialized.hint }) },
      };
    }
  };
}

function invalidInput(methodName: string, error: z.ZodError): InflowError {
  const issue = error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'input' : issue.path.join('.');
  return new InflowError('INVALID_INPUT', `${methodName}: ${where}: ${issue?.message ?? 'invalid'}.`, {
    hint: 'Check the value you entered and try again.',
  });
}
