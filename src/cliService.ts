// The CLI commands that talk to a service or run the emulator. Bundled as its own file (dist/cliService.js)
// and loaded only when one of them runs, so `validate` starts without loading the SDKs.
export { runCancel, runDownload, runStatus, runSubmit } from './cli/serviceCommands';
export { runDemo } from './cli/demoCommand';
export { runEmulatorCli } from './cli/emulatorCommand';
export { runResources } from './cli/resourcesCommand';
