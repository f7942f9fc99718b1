import * as assert from 'node:assert/strict';
import { suggestedConnectionName } from '../../src/core/batch/connection';

describe('suggestedConnectionName', () => {
  it('offers the resource name of an Azure endpoint', () => {
    assert.equal(suggestedConnectionName('https://my-resource.openai.azure.com'), 'my-resource');
    assert.equal(suggestedConnectionName(' https://eu-prod.cognitiveservices.azure.com/ '), 'eu-prod');
  });

  it('offers host and port of a loopback or IP endpoint, not its first label', () => {
    assert.equal(suggestedConnectionName('http://127.0.0.1:47111'), '127.0.0.1:47111');
    assert.equal(suggestedConnectionName('http://localhost:8080/'), 'localhost:8080');
    assert.equal(suggestedConnectionName('http://[::1]:9000'), '[::1]:9000');
    assert.equal(suggestedConnectionName('https://10.0.0.7'), '10.0.0.7');
  });
});
