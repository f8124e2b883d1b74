import path from 'node:path';
import { InflowError } from '../errors.ts';
import { readGgufFile } from '../gguf/gguf-reader.ts';

/**
 * Checks that a file is a GGUF LoRA adapter for models of `architecture` before llama.cpp is asked to apply
 * it: ADAPTER_INVALID (not an adapter), ADAPTER_MISMATCH (another architecture), or the reader's GGUF errors.
 */
export function checkAdapterFile(filePath: string, architecture: string, modelId: string): void {
  const info = readGgufFile(filePath);
  const type = info.metadata.get('general.type')?.value;
  const arch = info.metadata.get('general.architecture')?.value;
  if (type !== 'adapter' || info.metadata.get('adapter.type')?.value !== 'lora') {
    throw new InflowError('ADAPTER_INVALID', `${filePath} is not a GGUF LoRA adapter (general.type is ${String(type)}).`);
  }
  if (arch !== architecture) {
    throw new InflowError(
      'ADAPTER_MISMATCH',
      `The adapter ${path.basename(filePath)} is for ${String(arch)} models, but ${modelId} is ${architecture}.`,
      {
        hint: 'Use an adapter trained on this base model.',
      },
    );
  }
}
