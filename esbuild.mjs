// Bundles the extension and the CLI. `--production` minifies without source maps; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'info',
  // `vscode` is provided by the extension host at run time.
  external: ['vscode'],
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
};

// Modules loaded only when first used, each bundled into a file of its own beside the bundles that use them, so the
// extension host neither parses nor evaluates them at activation (the SDK is ~1 MB, the tokenizer's tables ~7 MB).
// `match` is how the code imports them; the code itself defers the `require` to first use (see sdk.ts, tokenizer.ts).
const lazyModules = [
  { match: /^openai$/, file: 'openai.js', contents: "module.exports = require('openai');" },
  { match: /^@azure\/identity$/, file: 'azureIdentity.js', contents: "module.exports = require('@azure/identity');" },
  // The Azure Resource Manager SDKs, for resource discovery (sign-in, `aoai-batch resources`).
  { match: /^\.\/armSdk$/, file: 'azureArm.js', entry: 'src/core/azure/armSdk.ts' },
  { match: /^\.\/encodingData$/, file: 'tokenizerData.js', entry: 'src/core/tokens/encodingData.ts' },
  // The editor's token counting, for the extension host only when the token worker cannot run (estimatorClient.ts).
  { match: /^\.\/estimatorWorker$/, file: 'estimatorWorker.js', entry: 'src/core/tokens/estimatorWorker.ts', lazyInside: true },
  // The preview of New Batch File from Data counts tokens (writeBatch.ts).
  { match: /^(\.\.\/)+core\/create\/estimate$/, file: 'createPreview.js', entry: 'src/core/create/estimate.ts', lazyInside: true },
  // The local emulator: the extension starts it only for "Try the Local Emulator", the CLI for `emulator` and `demo`.
  { match: /^(\.\.\/)+emulator$/, file: 'emulator.js', entry: 'src/emulator/index.ts', lazyInside: true },
];

/** Rewrites imports of the lazy modules into requires of their own files (`./openai.js`), left to run time. */
const lazyModulesPlugin = {
  name: 'lazy-modules',
  setup(build) {
    for (const { match, file } of lazyModules) {
      build.onResolve({ filter: match }, (args) => (args.kind === 'entry-point' ? undefined : { path: `./${file}`, external: true }));
    }
  },
};

const withLazyModules = { ...common, plugins: [lazyModulesPlugin] };

// A lazy module that itself uses lazy modules (the emulator counts tokens) is built with the plugin too.
const lazyBuilds = lazyModules.map(({ file, contents, entry, lazyInside }) => ({
  ...(lazyInside ? withLazyModules : common),
  outfile: `dist/${file}`,
  ...(entry ? { entryPoints: [entry] } : { stdin: { contents, resolveDir: '.', loader: 'js' } }),
}));

const builds = [
  ...lazyBuilds,
  { ...withLazyModules, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  // The thread the extension counts tokens in (the tables stay in tokenizerData.js, shared with the CLI).
  { ...withLazyModules, entryPoints: ['src/tokenWorker.ts'], outfile: 'dist/tokenWorker.js' },
  { ...withLazyModules, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The service commands and the emulator, loaded by the CLI only when used (keeps `validate` quick to start).
  { ...withLazyModules, entryPoints: ['src/cliService.ts'], outfile: 'dist/cliService.js' },
  // `estimate` and the tokenizer's tables, loaded by the CLI only when used.
  { ...withLazyModules, entryPoints: ['src/cli/estimateCommand.ts'], outfile: 'dist/cliEstimate.js' },
  // The results viewer's webview: a browser script (and its stylesheet, dist/resultsViewer.css) with the
  // web components it uses bundled in.
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'info',
    entryPoints: { resultsViewer: 'src/resultsViewer/webview/main.ts' },
    outdir: 'dist',
  },
];

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
