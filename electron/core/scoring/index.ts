/**
 * Answer extraction and scoring, shared by evaluation (`electron/core/eval`) and Flow-GRPO rewards
 * (`electron/core/training`). Start with `scoreAnswer` (async, may consult a judge) or `scoreByRules` (sync).
 */
export { extractAnswer, extractAnswerSection, extractBoxed, stripAnswerWrappers } from './extract-answer.ts';
export { normalizeAnswer } from './normalize.ts';
export { parseNumber, proseNumber, numbersEqual, type ParsedNumber } from './numeric.ts';
export { parseChoices, resolveChoice, expectedChoice, type ChoiceOption } from './choice.ts';
export { checkGameOf24, parseGameOf24Numbers, type GameOf24Check } from './game-of-24.ts';
export { expandLatexFractions } from './arithmetic.ts';
export { acceptedAnswers, answerKinds, inferAnswerKind, isAnswerKind, type AnswerKind, type KindHints } from './answer-kind.ts';
export { createModelJudge, judgePrompt, judgeSchema, type Judge, type JudgeInput, type JudgeVerdict } from './judge.ts';
export { scoreAnswer, scoreByRules, type RuleScore, type ScoreInput, type ScoreMethod, type ScoreResult } from './score-answer.ts';
