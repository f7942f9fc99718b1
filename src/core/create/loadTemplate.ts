// Reading a template file and what it names (its data file, its response schema), relative to its folder.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { checkInputPath, describeInputProblem } from '../jsonl/inputFile';
import { checkTemplate, compileTemplate, TemplateError, type BatchTemplate, type CompiledTemplate } from './template';

/** Templates and schemas are small: a larger file is not one. */
const maxTemplateBytes = 4 * 1024 * 1024;

async function readJson(path: string, what: string): Promise<unknown> {
  // stat first: a FIFO would block the read until a writer comes, and a device such as /dev/zero never ends.
  const check = await checkInputPath(path);
  if (!check.ok) {
    throw new TemplateError(`cannot read ${what}: ${describeInputProblem(path, check.problem)}`);
  }
  if (check.size > maxTemplateBytes) {
    throw new TemplateError(`${path} is larger than 4 MB: it cannot be ${what}`);
  }
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > maxTemplateBytes) {
      throw new TemplateError(`${path} is larger than 4 MB: it cannot be ${what}`);
    }
    text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    if (error instanceof TemplateError) {
      throw error;
    }
    throw new TemplateError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TemplateError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads the JSON Schema file of `responseFormat` and compiles the template. Paths are relative to `folder`. */
export async function compileWithSchema(template: BatchTemplate, folder: string): Promise<CompiledTemplate> {
  if (template.responseFormat === undefined) {
    return compileTemplate(template);
  }
  const path = resolve(folder, template.responseFormat);
  return compileTemplate(template, { name: path, schema: await readJson(path, 'the JSON schema') });
}

/** A template file read, checked and compiled, with its data file resolved (when it names one). Throws {@link TemplateError}. */
export async function loadTemplate(path: string): Promise<{ template: BatchTemplate; compiled: CompiledTemplate; dataPath?: string }> {
  const template = checkTemplate(await readJson(path, 'the template'));
  const folder = dirname(resolve(path));
  const compiled = await compileWithSchema(template, folder);
  return { template, compiled, dataPath: template.data === undefined ? undefined : resolve(folder, template.data) };
}
