import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * The `inflow/layers` rule: which layer may import what. A file's layer comes from its folder (the first
 * entry of `layers` whose folder contains it); every import, export-from, dynamic import() and require() of
 * that file is checked: a relative specifier is resolved and must land in one of the layer's `mayImport`
 * layers, a package must be allowed by `packages` (a list of names, or 'any') and not listed in `forbidPackages`,
 * and a Node built-in needs `node: true`. Files outside every layer (tests, scripts) are not checked.
 */

const builtins = new Set(builtinModules);

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || builtins.has(specifier.split('/')[0]);
}

function layerOf(file, layers, root) {
  const relative = path.relative(root, file).split(path.sep).join('/');
  return layers.find((layer) => layer.folders.some((folder) => relative === folder || relative.startsWith(`${folder}/`)));
}

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each layer imports only the layers, packages and Node built-ins it is allowed (see ARCHITECTURE.md).' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, layers: { type: 'array' } },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      layer: '{{from}} may not import {{to}} ({{specifier}}); {{from}} may import: {{allowed}}.',
      outside: '{{from}} may not import {{specifier}}, which is outside every layer.',
      package: '{{from}} may not import the package {{specifier}}{{why}}.',
      builtin: "{{from}} may not import Node's {{specifier}}.",
    },
  },
  create(context) {
    const { root, layers } = context.options[0];
    const file = context.physicalFilename;
    const from = layerOf(file, layers, root);
    if (from === undefined) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = path.resolve(path.dirname(file), specifier);
        const to = layerOf(target, layers, root);
        if (to === undefined) context.report({ node, messageId: 'outside', data: { from: from.name, specifier } });
        else if (to !== from && !from.mayImport.includes(to.name)) {
          context.report({
            node,
            messageId: 'layer',
            data: { from: from.name, to: to.name, specifier, allowed: [from.name, ...from.mayImport].join(', ') },
          });
        }
        return;
      }
      if (isBuiltin(specifier)) {
        if (from.node !== true) context.report({ node, messageId: 'builtin', data: { from: from.name, specifier } });
        return;
      }
      const name = packageOf(specifier);
      const forbidden = (from.forbidPackages ?? []).includes(name);
      const allowed = from.packages === 'any' || (from.packages ?? []).includes(name);
      if (forbidden || !allowed) {
        context.report({
          node,
          messageId: 'package',
          data: { from: from.name, specifier, why: forbidden ? ' (this layer must stay free of it)' : ' (not in its allowed packages)' },
        });
      }
    };
    const sourceOf = (node) => (node.source?.type === 'Literal' ? node.source.value : undefined);
    return {
      ImportDeclaration: (node) => check(node, sourceOf(node)),
      ExportNamedDeclaration: (node) => check(node, sourceOf(node)),
      ExportAllDeclaration: (node) => check(node, sourceOf(node)),
      ImportExpression: (node) => check(node, sourceOf(node)),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal')
          check(node, node.arguments[0].value);
      },
    };
  },
};

export const layersPlugin = { meta: { name: 'inflow-layers' }, rules: { layers: layersRule } };
