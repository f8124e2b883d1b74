import { InflowError } from '../errors.ts';
import { readGgufFile, type GgufFileInfo } from '../gguf/gguf-reader.ts';
import { checkModelHyperParameters } from '../gguf/model-hparams.ts';

/**
 * Checks that a file is a GGUF model llama.cpp can load as a model: a regular file with a readable GGUF header,
 * weights, hyper-parameters llama.cpp does not abort on, and not a LoRA adapter. Throws GGUF_NOT_FOUND,
 * NOT_GGUF / GGUF_TRUNCATED / GGUF_CORRUPT / GGUF_PATH_INVALID (from the reader), NOT_A_MODEL or MODEL_INVALID.
 */
export function assertGgufModelFile(file: string): { architecture: string | null; bytes: number; header: GgufFileInfo } {
  const header = readGgufFile(file);
  if (header.metadata.get('general.type')?.value === 'adapter') {
    throw new InflowError('NOT_A_MODEL', `${file} is a LoRA adapter, not a model.`, {
      hint: 'Add its base model instead; adapters are applied on top of a model (Training screen, or --adapter).',
    });
  }
  if (header.tensors.length === 0) {
    throw new InflowError('NOT_A_MODEL', `${file} holds only a vocabulary (no weights).`, { hint: 'Use a full GGUF model file.' });
  }
  checkModelHyperParameters(header);
  const architecture = header.metadata.get('general.architecture')?.value;
  return { architecture: typeof architecture === 'string' ? architecture : null, bytes: header.fileSize, header };
}
