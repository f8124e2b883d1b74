import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

/**
 * Text out of HTML with maintained parsers instead of regular expressions: linkedom builds the DOM (entities,
 * comments, unclosed tags and scripts handled as browsers do), and Mozilla's Readability (Firefox's reader view)
 * finds a web page's main content, leaving navigation, footers and ads out.
 */

const blockTags = new Set([
  'ADDRESS',
  'ARTICLE',
  'ASIDE',
  'BLOCKQUOTE',
  'BR',
  'DD',
  'DIV',
  'DL',
  'DT',
  'FIELDSET',
  'FIGCAPTION',
  'FIGURE',
  'FOOTER',
  'FORM',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'HR',
  'LI',
  'MAIN',
  'NAV',
  'OL',
  'P',
  'PRE',
  'SECTION',
  'TABLE',
  'TR',
  'UL',
]);
const hiddenTags = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'HEAD', 'TITLE']);

interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

function collect(node: DomNode, out: string[]): void {
  if (node.nodeType === 3) {
    out.push(node.textContent ?? '');
    return;
  }
  if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return;
  const tag = node.nodeName.toUpperCase();
  if (hiddenTags.has(tag)) return;
  // as a browser lays text out: an element's start separates words, the end of a block (or a <br>) ends the line
  out.push(' ');
  for (let i = 0; i < node.childNodes.length; i++) collect(node.childNodes[i]!, out);
  out.push(blockTags.has(tag) ? '\n' : ' ');
}

/** Lines with runs of spaces collapsed, trimmed, and at most one empty line in a row. */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r\u00a0]+/g, ' ').trim())
    .filter((line, index, lines) => line !== '' || (index > 0 && lines[index - 1] !== ''))
    .join('\n')
    .trim();
}

function documentOf(html: string) {
  // a fragment (a search result's title, a snippet) gets a body around it, so it parses as the body's content
  return parseHTML(/<(html|body)[\s>]/i.test(html) ? html : `<!doctype html><html><body>${html}</body></html>`).document;
}

/** The visible text of HTML (a page or a fragment), one block element per line; scripts, styles and the head left out. */
export function htmlToText(html: string): string {
  const out: string[] = [];
  collect(documentOf(html) as unknown as DomNode, out);
  return tidy(out.join(''));
}

/** The page's `<title>`, its text as the browser shows it (entities decoded); also one written outside `<head>`. */
export function htmlTitle(html: string): string {
  return titleOf(documentOf(html));
}

function titleOf(document: ReturnType<typeof documentOf>): string {
  return tidy(document.title || (document.querySelector('title')?.textContent ?? ''));
}

/**
 * A web page's main content as text (Readability), one block per line, with the page's title; the whole visible text
 * when Readability finds no article (a short page, a list of links).
 */
export function readableArticle(html: string): { title: string; text: string } {
  const document = documentOf(html);
  const title = titleOf(document);
  let content: string | null | undefined;
  try {
    content = new Readability(document as unknown as Document).parse()?.content;
  } catch {
    content = null;
  }
  const text = content ? htmlToText(content) : '';
  return { title, text: text !== '' ? text : htmlToText(html) };
}
