// The results viewer's data work, independent of any editor host: build a model of a job's joined results,
// query it (filter, search, sort), page it for a grid, read a row's whole request and response, export a view.
export { buildResultsModel, cut, defaultSearchChars, gridChars, maxFieldColumns, NotAResultsFileError, ResultsModel, statuses, structuredStates } from './resultsModel';
export type { BuildOptions, BuildReport, FieldColumn, FieldValue, MalformedLine, RowDetail } from './resultsModel';
export { fixedColumns, normalizeQuery, pageOf, queryResults, summarizeResults } from './resultsView';
export type { ColumnId, FixedColumn, PageRow, ResultsQuery, ResultsSummary, ResultsView, StatusCounts, Totals } from './resultsView';
export { csvCell, exportCsv, exportJsonl, ResultsChangedError } from './resultsExport';
export type { ExportOptions } from './resultsExport';
export { answerSchemaOf, checkStructuredAnswer } from './structuredOutput';
export type { AnswerSchema, StructuredCheck, StructuredState } from './structuredOutput';
export { requestFacts, responseFacts } from './resultRow';
export type { RequestFacts, ResponseFacts } from './resultRow';
