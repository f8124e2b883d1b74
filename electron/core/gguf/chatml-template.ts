/**
 * The ChatML chat template the project's test models carry in `tokenizer.chat_template`. It is the
 * template Qwen2.5 Instruct uses without tools, so node-llama-cpp renders prompts for test models the same way
 * as for the recommended planner models.
 */
export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

export const CHATML_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
