import { ggufMetadataValue, readGgufFile } from '../../gguf/gguf-reader.ts';

/** The GGUF `general.*` keys that name the model's own Hugging Face repository, in the order they are trusted. */
export const HF_ID_KEYS = ['general.source.repo_url', 'general.repo_url', 'general.source.url', 'general.source.huggingface.repository'] as const;

const HF_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** "Qwen/Qwen2.5-7B-Instruct" from "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct" (or an id already); null otherwise. */
export function hfIdFrom(value: string): string | null {
  const url = /^https?:\/\/(?:www\.)?huggingface\.co\/([^/?#\s]+\/[^/?#\s]+?)\/?(?:[?#].*)?$/i.exec(value.trim());
  const id = url?.[1] ?? value.trim();
  return HF_ID.test(id) && (url !== null || !id.includes(':')) ? id : null;
}

/**
 * The Hugging Face id of the model a GGUF was converted from, when its metadata names it (llama.cpp's converter
 * writes `general.source.repo_url` / `general.repo_url` from the model card). `general.base_model.*` is NOT used:
 * it names the parent a model was fine-tuned from (an instruct model's base), not the model itself.
 */
export function hfIdOfGguf(modelPath: string): { id: string; key: string } | null {
  const info = readGgufFile(modelPath);
  for (const key of HF_ID_KEYS) {
    const value = ggufMetadataValue(info, key);
    if (typeof value !== 'string') continue;
    const id = key === 'general.source.huggingface.repository' ? (HF_ID.test(value) ? value : null) : hfIdFrom(value);
    if (id !== null) return { id, key };
  }
  return null;
}
