import { parsePartialJson } from '../partial-json.ts';
import { matchToolName } from '../tool-names.ts';

/**
 * Tolerant readers of the free-text outputs of the `agentflow` profile. They accept what the reference
 * accepts (JSON, or `Context:` / `Sub-Goal:` / `Tool Name:` sections with markdown bold) and more (headers in
 * any case, numbered, "### 4. Tool Name:", "Sub Goal", a missing Context). Two readers of the verifier's text:
 * `parseConclusionText` is STOP only when the text concludes STOP; `parseConclusionLikeReference` reads it as the
 * reference does (the agentflow profile, whose checkpoint was trained with it).
 */
export interface NextStepText {
  justification: string;
  context: string;
  subGoal: string;
  /** The matched enabled tool, or null. */
  toolName: string | null;
  /** What the model wrote as the tool name. */
  rawToolName: string;
  parsed: boolean;
}

/** A section header line: optional markdown heading marks, then an optional number or bullet ("### 4. Tool Name:"). */
const header = (name: string) => `(?:^|\\n)[ \\t]*(?:#+[ \\t]*)?(?:\\d+[.)][ \\t]*|[-*][ \\t]*)?${name}\\s*:`;

export function parseNextStepText(text: string, toolNames: readonly string[]): NextStepText {
  const json = parsePartialJson(text.replace(/```(?:json)?/g, ''));
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const record = json as Record<string, unknown>;
    const rawTool = String(record.tool_name ?? record.toolName ?? '');
    if (rawTool !== '') {
      const toolName = matchToolName(rawTool, toolNames) ?? null;
      return {
        justification: String(record.justification ?? ''),
        context: String(record.context ?? ''),
        subGoal: String(record.sub_goal ?? record.subGoal ?? ''),
        toolName,
        rawToolName: rawTool,
        parsed: true,
      };
    }
  }
  const plain = text.replace(/\*\*/g, '').replace(/__/g, '');
  const find = (name: string): Array<{ index: number; end: number }> =>
    [...plain.matchAll(new RegExp(header(name), 'gi'))].map((m) => ({ index: m.index, end: m.index + m[0].length }));
  const tools = find('Tool[ _-]?Name');
  const last = tools.at(-1);
  if (last === undefined) return { justification: '', context: '', subGoal: '', toolName: null, rawToolName: '', parsed: false };
  const goals = find('Sub[ _-]?Goal').filter((m) => m.index < last.index);
  const goal = goals.at(-1);
  const contexts = find('Context').filter((m) => m.index < (goal ?? last).index);
  const context = contexts.at(-1);
  const justifications = find('Justification').filter((m) => m.index < (context ?? goal ?? last).index);
  const justification = justifications.at(-1);
  const section = (from: { end: number } | undefined, to: { index: number } | undefined) =>
    from === undefined ? '' : plain.slice(from.end, to?.index ?? plain.length).trim();
  const rawToolName = plain
    .slice(last.end)
    .split(/\n\s*\n/)[0]!
    .replace(/```\s*$/, '')
    .trim();
  return {
    justification: section(justification, context ?? goal ?? last),
    context: section(context, goal ?? last),
    subGoal: section(goal, last),
    toolName: matchToolName(rawToolName, toolNames) ?? null,
    rawToolName,
    parsed: true,
  };
}

/** The Python command in an executor response: after "Generated Command:", else the longest python block. */
export function extractCommandText(text: string): string | undefined {
  const json = parsePartialJson(text);
  if (json !== null && typeof json === 'object' && typeof (json as { command?: unknown }).command === 'string') {
    return stripFence((json as { command: string }).command);
  }
  const after = /Generated Command:?\**\s*```(?:python|py)?[ \t]*\n?([\s\S]*?)(?:```|$)/i.exec(text);
  if (after?.[1]?.trim()) return after[1].trim();
  const blocks = [...text.matchAll(/```(?:python|py)?[ \t]*\n([\s\S]*?)(?:```|$)/gi)].map((m) => m[1]!.trim()).filter(Boolean);
  if (blocks.length > 0) return blocks.reduce((a, b) => (b.length > a.length ? b : a));
  const line = /execution\s*=\s*tool\s*\.\s*execute\s*\([\s\S]*/.exec(text);
  return line ? line[0].trim() : undefined;
}

function stripFence(code: string): string {
  return code
    .replace(/^```(?:python|py)?\s*/i, '')
    .replace(/`+\s*$/, '')
    .trim();
}

/**
 * STOP or CONTINUE from a verifier text: the last "Conclusion: X" when X is one of them; else the last
 * standalone upper-case STOP/CONTINUE; else CONTINUE (keep working rather than stop on a misread).
 */
export function parseConclusionText(text: string): { stop: boolean; explicit: boolean } {
  const json = parsePartialJson(text);
  if (json !== null && typeof json === 'object' && typeof (json as { stop_signal?: unknown }).stop_signal === 'boolean') {
    return { stop: (json as { stop_signal: boolean }).stop_signal, explicit: true };
  }
  const conclusions = [...text.matchAll(/conclusion\**\s*:?\s*\**\s*["'`]?(\w+)/gi)].map((m) => m[1]!.toUpperCase());
  const last = conclusions.filter((word) => word === 'STOP' || word === 'CONTINUE').at(-1);
  if (last !== undefined) return { stop: last === 'STOP', explicit: true };
  const words = [...text.matchAll(/\b(STOP|CONTINUE)\b/g)].map((m) => m[1]);
  const word = words.at(-1);
  if (word !== undefined) return { stop: word === 'STOP', explicit: false };
  return { stop: false, explicit: false };
}

/**
 * The reference's `Verifier.extract_conclusion` for text: JSON {stop_signal}; else the last
 * `conclusion[**][:][**] WORD` (case-insensitive), if WORD is STOP or CONTINUE; else STOP if "stop" appears anywhere
 * in the text (case-insensitive), otherwise CONTINUE. `explicit` is false for that fallback.
 */
export function parseConclusionLikeReference(text: string): { stop: boolean; explicit: boolean } {
  const json = parsePartialJson(text);
  if (json !== null && typeof json === 'object' && typeof (json as { stop_signal?: unknown }).stop_signal === 'boolean') {
    return { stop: (json as { stop_signal: boolean }).stop_signal, explicit: true };
  }
  // Python's \w is Unicode-aware: a conclusion word in any script ends the match as it does there.
  const last = [...text.matchAll(/conclusion\**:?\s*\**\s*([\p{L}\p{N}_]+)/giu)].at(-1)?.[1]?.toUpperCase();
  if (last === 'STOP' || last === 'CONTINUE') return { stop: last === 'STOP', explicit: true };
  return { stop: text.toLowerCase().includes('stop'), explicit: false };
}
