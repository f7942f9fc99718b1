// The manifest as VS Code reads it: a missing %key% shows as raw text in the UI, a walkthrough step whose media
// file is missing shows an empty pane, and a command: link to a command that is not contributed does nothing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const manifestText = readFileSync(resolve(root, 'package.json'), 'utf8');
const manifest = JSON.parse(manifestText) as {
  contributes: { commands: { command: string }[]; walkthroughs: { steps: { id: string; description: string; media: { markdown?: string; image?: string } }[] }[] };
};
const nls = JSON.parse(readFileSync(resolve(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
const commands = new Set(manifest.contributes.commands.map((c) => c.command));

describe('manifest', () => {
  it('has a package.nls.json entry for every %key% it uses', () => {
    const keys = [...manifestText.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]!);
    assert.ok(keys.length > 50, 'the manifest is localized');
    assert.deepEqual(keys.filter((key) => !(key in nls)), []);
  });

  it('links only to contributed commands from its localized texts', () => {
    const links = Object.values(nls).flatMap((text) => [...text.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]!));
    assert.ok(links.length > 0);
    assert.deepEqual(links.filter((command) => !commands.has(command)), []);
  });

  it('walks a new user from connecting to reading results, each step with its media', () => {
    const steps = manifest.contributes.walkthroughs[0]!.steps;
    assert.deepEqual(
      steps.map((s) => s.id),
      ['azureOpenAIBatch.connect', 'azureOpenAIBatch.createFromData', 'azureOpenAIBatch.check', 'azureOpenAIBatch.submitJob', 'azureOpenAIBatch.results'],
    );
    for (const step of steps) {
      const media = step.media.markdown ?? step.media.image;
      assert.ok(media && existsSync(resolve(root, media)), `${step.id}: ${media} exists`);
      for (const image of media.endsWith('.md') ? [...readFileSync(resolve(root, media), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!) : []) {
        assert.ok(existsSync(resolve(root, media, '..', image)), `${step.id}: image ${image} exists`);
      }
    }
  });
});
