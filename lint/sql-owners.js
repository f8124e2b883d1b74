import path from 'node:path';

/**
 * The `inflow/sql-owners` rule: one owner per table. SQL runs only in the store modules listed in `owners` (a file,
 * or a folder ending in `/`, with the tables it owns, or '*' for the schema itself): any other file under `scope`
 * that calls `.prepare(`, `.transaction(` or `.pragma(`, or `.exec(` on a database (`db`, `x.db`, `database`), is
 * reported by name; it must ask the owning store instead. An owner may read other tables (a join), but it writes
 * (INSERT, UPDATE, DELETE) only its own: a write to another owner's table is reported with the table's owner.
 */

const writePattern = /\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|DELETE\s+FROM)\s+([A-Za-z_][\w.]*)|\bUPDATE\s+([A-Za-z_][\w.]*)\s+SET\b/gi;
const dbNames = new Set(['db', 'database']);

function relativeOf(file, root) {
  return path.relative(root, file).split(path.sep).join('/');
}

function ownerOf(relative, owners) {
  return Object.keys(owners).find((key) => (key.endsWith('/') ? relative.startsWith(key) : relative === key));
}

function receiverName(node) {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') return node.property.name;
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const sqlOwnersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL only in the store module that owns the table (see ARCHITECTURE.md).' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, scope: { type: 'array' }, owners: { type: 'object' } },
        required: ['root', 'scope', 'owners'],
        additionalProperties: false,
      },
    ],
    messages: {
      outside:
        '{{file}} runs SQL (.{{method}}) but is not a store module: ask the store that owns the table (owners are listed in lint/eslint.config.js).',
      foreign: '{{file}} writes table {{table}}, which belongs to {{owner}}: call a method of that store.',
      unowned: '{{file}} writes table {{table}}, which has no owner in lint/eslint.config.js: add it to its store module.',
    },
  },
  create(context) {
    const { root, scope, owners } = context.options[0];
    const relative = relativeOf(context.physicalFilename, root);
    if (!scope.some((folder) => relative.startsWith(`${folder}/`))) return {};
    const owner = ownerOf(relative, owners);
    if (owner === undefined) {
      return {
        CallExpression(node) {
          const callee = node.callee;
          if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
          const method = callee.property.name;
          const sql =
            method === 'prepare' ||
            method === 'transaction' ||
            method === 'pragma' ||
            (method === 'exec' && dbNames.has(receiverName(callee.object)));
          if (sql) context.report({ node, messageId: 'outside', data: { file: relative, method } });
        },
      };
    }
    const owned = owners[owner];
    if (owned === '*') return {};
    const tableOwner = (table) => Object.keys(owners).find((key) => owners[key] !== '*' && owners[key].includes(table));
    const checkText = (node, text) => {
      for (const match of text.matchAll(writePattern)) {
        const table = (match[1] ?? match[2]).toLowerCase();
        if (owned.includes(table)) continue;
        const other = tableOwner(table);
        if (other === undefined) context.report({ node, messageId: 'unowned', data: { file: relative, table } });
        else context.report({ node, messageId: 'foreign', data: { file: relative, table, owner: other } });
      }
    };
    return {
      Literal: (node) => {
        if (typeof node.value === 'string') checkText(node, node.value);
      },
      TemplateLiteral: (node) => checkText(node, node.quasis.map((quasi) => quasi.value.cooked ?? quasi.value.raw).join(' ')),
    };
  },
};

export const sqlOwnersPlugin = { meta: { name: 'inflow-sql-owners' }, rules: { 'sql-owners': sqlOwnersRule } };
