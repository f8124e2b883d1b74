/**
 * The formatter's settings (`npm run format`, `npm run format:check`), matched to the code's style as written:
 * single quotes, semicolons, trailing commas, and long lines (150 columns: the code keeps a call with its options
 * on one line rather than one argument per line).
 */
export default {
  printWidth: 150,
  singleQuote: true,
  jsxSingleQuote: false,
  semi: true,
  trailingComma: 'all',
  arrowParens: 'always',
  bracketSpacing: true,
  endOfLine: 'lf',
};
