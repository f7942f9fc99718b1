// The token worker thread (dist/tokenWorker.js): the editor's estimates are counted here, so the extension host
// never loads the tokenizer nor runs it. The logic is EstimatorWorker's; this only joins it to the thread's port.
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from './core/tokens/estimatorProtocol';
import { EstimatorWorker } from './core/tokens/estimatorWorker';

const port = parentPort;
if (port !== null) {
  const worker = new EstimatorWorker((message) => port.postMessage(message));
  port.on('message', (message: ToWorker) => worker.handle(message));
  port.postMessage({ type: 'ready' });
}
