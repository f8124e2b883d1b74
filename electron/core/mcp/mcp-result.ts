import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';

/** The text a tool result becomes in memory, and whether the server flagged it as an error. */
export interface McpResultText {
  text: string;
  isError: boolean;
  /** Characters before cutting. */
  fullLength: number;
  truncated: boolean;
}

function approximateBytes(base64: string): number {
  return Math.floor((base64.length * 3) / 4);
}

function blockText(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
      return `[image ${block.mimeType}, ${approximateBytes(block.data)} bytes, not shown]`;
    case 'audio':
      return `[audio ${block.mimeType}, ${approximateBytes(block.data)} bytes, not shown]`;
    case 'resource_link':
      return `[resource ${block.uri}${block.name ? ` "${block.name}"` : ''}${block.description ? `: ${block.description}` : ''}]`;
    case 'resource': {
      const resource = block.resource;
      if ('text' in resource && typeof resource.text === 'string') return resource.text;
      return `[resource ${resource.uri}${resource.mimeType ? ` ${resource.mimeType}` : ''}, binary, not shown]`;
    }
    default:
      return `[${(block as { type: string }).type} content, not shown]`;
  }
}

/**
 * Cuts text to `maxChars`, keeping the start and the end and saying in the text how much was left out,
 * so neither the model nor the user mistakes a cut result for the whole.
 */
export function capText(text: string, maxChars: number, shownLimit = maxChars): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const note = `\n[... output cut: ${text.length} characters in all, limit ${shownLimit}; ${text.length - maxChars} left out ...]\n`;
  const room = Math.max(0, maxChars - note.length);
  const head = Math.ceil(room * 0.8);
  return { text: `${text.slice(0, head)}${note}${text.slice(text.length - (room - head))}`, truncated: true };
}

/**
 * Like `capText`, but so that the text *as a JSON string* (quotes and escapes included) fits `maxChars`: that is
 * what the agent measures a tool's output by, so a result cut here is not cut a second time.
 */
export function capJsonText(text: string, maxChars: number): { text: string; truncated: boolean } {
  let limit = maxChars - 2;
  for (;;) {
    const capped = capText(text, limit, maxChars);
    const over = JSON.stringify(capped.text).length - maxChars;
    if (over <= 0 || limit <= 200) return capped;
    limit = Math.max(200, limit - over);
  }
}

/**
 * Turns an MCP `tools/call` result into text for the agent's memory: text blocks as they are, embedded text
 * resources inline, binary content as a short note, `structuredContent` as JSON when there is no text.
 */
export function resultToText(result: CallToolResult, maxChars: number): McpResultText {
  const blocks = Array.isArray(result.content) ? result.content : [];
  let text = blocks.map(blockText).join('\n');
  if (text.trim() === '' && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  if (text.trim() === '' && 'toolResult' in result) text = JSON.stringify((result as unknown as { toolResult: unknown }).toolResult);
  const capped = capJsonText(text, maxChars);
  return { text: capped.text, isError: result.isError === true, fullLength: text.length, truncated: capped.truncated };
}
