import { parseArgs } from 'node:util';
import { InflowError } from '../../core/errors.ts';
import { type MemoryEntry, type MemoryKind } from '../../core/memory/long-term-memory.ts';
import type { CliCommand } from '../command.ts';

const usage = `Usage: inflow memory <command>
  list [--kind fact|preference]              what the agent remembers across tasks
  add "TEXT" [--kind fact|preference] [--run ID]   remember a fact you confirm (linked to the run it came from)
  edit ID "TEXT" [--kind K]                  change an entry
  rm ID                                      forget an entry
  search "TEXT"                              entries matching a text`;

function id(value: string | undefined): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isInteger(parsed) || parsed < 1)
    throw new InflowError('USAGE', `Give the entry id (a number)${value === undefined ? '' : `, not "${value}"`}.`, {
      hint: 'See inflow memory list.',
    });
  return parsed;
}

const line = (entry: MemoryEntry) =>
  `${String(entry.id).padStart(4)}  ${entry.kind.padEnd(10)} ${entry.content}${entry.runId ? `  (from ${entry.runId})` : ''}`;

/** `inflow memory`: long-term memory, viewable, editable and deletable. */
export const command: CliCommand = {
  name: 'memory',
  summary: 'list, add, edit and delete what the agent remembers across tasks',
  usage,
  async run(context, args) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { kind: { type: 'string' }, run: { type: 'string' } } });
    const memory = (await context.backend()).memory;
    const kind = values.kind as MemoryKind | undefined;
    const show = (entry: MemoryEntry, verb: string) => (context.json ? context.printJson(entry) : context.print(`${verb} ${line(entry).trim()}`));
    switch (sub) {
      case 'list': {
        const entries = memory.list(kind ? { kind } : {});
        if (context.json) {
          context.printJson(entries);
          return;
        }
        if (entries.length === 0) context.print('Nothing remembered yet. Add a fact: inflow memory add "I live in Lyon"');
        for (const entry of entries) context.print(line(entry));
        return;
      }
      case 'add':
        show(memory.add({ content: positionals.join(' '), ...(kind ? { kind } : {}), ...(values.run ? { runId: values.run } : {}) }), 'Remembered');
        return;
      case 'edit': {
        const [target, ...text] = positionals;
        const content = text.join(' ');
        show(memory.update(id(target), { ...(content === '' ? {} : { content }), ...(kind ? { kind } : {}) }), 'Changed');
        return;
      }
      case 'rm':
        show(memory.remove(id(positionals[0])), 'Forgot');
        return;
      case 'search': {
        const entries = memory.search(positionals.join(' '));
        if (context.json) {
          context.printJson(entries);
          return;
        }
        if (entries.length === 0) context.print('Nothing matched.');
        for (const entry of entries) context.print(line(entry));
        return;
      }
      default:
        throw new InflowError('USAGE', sub === undefined ? 'Say what to do.' : `Unknown memory command "${sub}".`, { hint: usage });
    }
  },
};
