import { dirname, resolve } from 'node:path';
import { FileExistsError, UnsafePathError } from '../core/atomicFile';
import { createBatchFile, describeProblems, unknownColumns } from '../core/create/convert';
import { compileWithSchema, loadTemplate } from '../core/create/loadTemplate';
import { dataColumns, DataFileError, formatOfPath, type DataFormat } from '../core/create/readers';
import { checkTemplate, defaultOutputPath, TemplateError, type BatchTemplate } from '../core/create/template';
import { terminalSafe } from '../core/terminalText';
import { checkInputFile, parseArgs, UsageError, type ParsedArgs } from './args';
import { usages } from './usage';

const valued = ['template', 'out', 'prompt', 'system', 'model', 'url', 'id-column', 'max-tokens', 'temperature', 'response-format', 'delimiter', 'format'];
const flags = ['skip-invalid-rows', 'force'];

function text(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  if (value === true) {
    throw new UsageError(`--${name} needs a value`);
  }
  return value;
}

/** Template fields given as flags (they override the template's). */
function fieldsFromFlags(args: ParsedArgs): Partial<Record<keyof BatchTemplate, unknown>> {
  const fields: Partial<Record<keyof BatchTemplate, unknown>> = {};
  const set = (key: keyof BatchTemplate, value: unknown) => value !== undefined && (fields[key] = value);
  set('prompt', text(args, 'prompt'));
  set('system', text(args, 'system'));
  set('model', text(args, 'model'));
  set('endpoint', text(args, 'url'));
  const idColumn = text(args, 'id-column');
  set('customId', idColumn === undefined ? undefined : { column: idColumn });
  const number = (name: string) => {
    const raw = text(args, name);
    if (raw === undefined) {
      return undefined;
    }
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new UsageError(`--${name} takes a number, not "${raw}"`);
    }
    return value;
  };
  set('maxTokens', number('max-tokens'));
  set('temperature', number('temperature'));
  set('responseFormat', text(args, 'response-format'));
  const delimiter = text(args, 'delimiter');
  set('delimiter', delimiter === '\\t' || delimiter === 'tab' ? '\t' : delimiter);
  set('format', text(args, 'format'));
  if (args.options.has('skip-invalid-rows')) {
    fields.skipInvalidRows = true;
  }
  return fields;
}

/**
 * `create`: writes a batch file from a data file (CSV, TSV, JSON array, JSONL) through a template given as a
 * `.batch-template.json` file or as flags (flags win over the file's fields). Exit 0 when written; 1 when rows cannot
 * be converted (nothing is written unless --skip-invalid-rows); 2 for wrong arguments or an unreadable file.
 */
export async function runCreate(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, valued, flags);
  if (args.positionals.length > 1) {
    throw new UsageError(`usage: ${usages.create}`);
  }
  const templatePath = text(args, 'template');
  try {
    let base: Record<string, unknown> = {};
    let folder = process.cwd();
    let templateData: string | undefined;
    if (templatePath !== undefined) {
      const loaded = await loadTemplate(templatePath);
      base = { ...loaded.template };
      folder = dirname(resolve(templatePath));
      templateData = loaded.dataPath;
    }
    const merged = { endpoint: '/chat/completions', ...base, ...fieldsFromFlags(args) };
    if (templatePath === undefined && (merged.prompt === undefined || merged.model === undefined)) {
      throw new UsageError(`give --template FILE, or --prompt TEXT and --model NAME\nusage: ${usages.create}`);
    }
    const template = checkTemplate(merged);
    // A schema named by a flag is relative to the working folder, one from the template file to the template.
    const compiled = await compileWithSchema(template, text(args, 'response-format') !== undefined ? process.cwd() : folder);
    const data = args.positionals[0] !== undefined ? resolve(args.positionals[0]) : templateData;
    if (data === undefined) {
      throw new UsageError(`name the data file (aoai-batch create DATA ...) or give it as "data" in the template\nusage: ${usages.create}`);
    }
    if (!(await checkInputFile(data, err))) {
      return 2;
    }
    const format: DataFormat | undefined = template.format ?? formatOfPath(data);
    const read = { format, delimiter: template.delimiter };
    if (format === 'csv') {
      const columns = await dataColumns(data, read, 1);
      const missing = unknownColumns(compiled, columns);
      if (missing.length > 0) {
        err.write(`error: ${data}: the header has no column ${missing.map((m) => `"${m}"`).join(', ')} (its columns: ${columns.join(', ')})\n`);
        return 1;
      }
    }
    const target = resolve(text(args, 'out') ?? defaultOutputPath(data, templatePath));
    const result = await createBatchFile(data, compiled, target, { read, skipInvalidRows: template.skipInvalidRows, overwrite: args.options.has('force') });
    if (result.problemCount > 0) {
      const problems = terminalSafe(describeProblems(result));
      if (!result.written) {
        err.write(`error: ${data}: ${problems}. Nothing was written${result.requests > 0 ? ' (--skip-invalid-rows writes the other rows)' : ''}.\n`);
        return 1;
      }
      err.write(`warning: ${data}: ${problems}. Those rows were skipped.\n`);
    } else if (!result.written) {
      err.write(`error: ${data} has no rows: nothing was written.\n`);
      return 1;
    }
    out.write(`${target}: ${result.requests.toLocaleString('en-US')} ${result.requests === 1 ? 'request' : 'requests'} from ${result.rows.toLocaleString('en-US')} rows\n`);
    return 0;
  } catch (error) {
    if (error instanceof TemplateError) {
      err.write(`error: ${terminalSafe(templatePath ? `${templatePath}: ` : '')}${terminalSafe(error.message)}\n`);
      return 2;
    }
    if (error instanceof DataFileError) {
      err.write(`error: ${terminalSafe(args.positionals[0] ?? 'data')}: ${terminalSafe(error.message)}\n`);
      return 1;
    }
    if (error instanceof FileExistsError) {
      err.write(`error: ${terminalSafe(error.message)} Use --force to replace it.\n`);
      return 2;
    }
    if (error instanceof UnsafePathError) {
      err.write(`error: ${terminalSafe(error.message)}\n`);
      return 2;
    }
    throw error;
  }
}
