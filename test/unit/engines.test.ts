import * as assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as fc from 'fast-check';
import { readManifest, runtimeDependencies } from '../engines/dependencyEngines';
import { compareVersions, lowestAdmitted, parseVersion, satisfies } from '../engines/versionRange';
import { nodeOfVsCode } from '../engines/vscodeNode';

const root = resolve(__dirname, '../../..');

describe('engines: the VS Code we declare runs the Node our dependencies need', () => {
  const manifest = readManifest(root);
  const engines = manifest.engines ?? {};
  const vscodeFloor = (/^\^(\d+\.\d+\.\d+)$/.exec(engines.vscode ?? '') ?? [])[1];
  const declared = nodeOfVsCode.find((row) => row.vscode === vscodeFloor);

  it('declares engines.vscode as ^1.x.y, a release whose Node is known (with a source)', () => {
    assert.ok(vscodeFloor, `engines.vscode is "${engines.vscode}"`);
    assert.ok(declared, `add VS Code ${vscodeFloor} and its Node version to test/engines/vscodeNode.ts`);
    assert.ok(declared.source.length > 20);
  });

  it("every runtime dependency (transitive) accepts that VS Code's Node", () => {
    const dependencies = runtimeDependencies(root);
    assert.ok(dependencies.some((dep) => dep.name === '@azure/identity') && dependencies.some((dep) => dep.name === '@azure/core-process'), 'the walk reaches transitive dependencies');
    const refused = dependencies.filter((dep) => dep.engines?.node && !satisfies(declared!.node, dep.engines.node)).map((dep) => `${dep.name}@${dep.version} needs node ${dep.engines!.node}`);
    assert.deepEqual(refused, [], `VS Code ${vscodeFloor} runs Node ${declared!.node}`);
  });

  it('engines.node asks for no less than the dependencies need, and that VS Code meets it', () => {
    assert.ok(engines.node, 'engines.node is declared (the CLI runs on the system Node)');
    const floor = lowestAdmitted(engines.node);
    const floorText = floor.join('.');
    const refused = runtimeDependencies(root)
      .filter((dep) => dep.engines?.node && !satisfies(floorText, dep.engines.node))
      .map((dep) => `${dep.name}@${dep.version} needs node ${dep.engines!.node}`);
    assert.deepEqual(refused, [], `engines.node "${engines.node}" admits Node ${floorText}`);
    assert.ok(satisfies(declared!.node, engines.node), `VS Code ${vscodeFloor} runs Node ${declared!.node}`);
  });

  it('the API types are no newer than the VS Code declared, and the test host is a VS Code we support', () => {
    const types = (/(\d+\.\d+\.\d+)/.exec(manifest.devDependencies?.['@types/vscode'] ?? '') ?? [])[1];
    assert.ok(types && compareVersions(parseVersion(types), parseVersion(vscodeFloor!)) <= 0, `@types/vscode ${types} must not exceed engines.vscode ${engines.vscode}`);
    const host = nodeOfVsCode.find((row) => row.source.includes('integration test host'))!;
    assert.ok(satisfies(host.vscode, engines.vscode!));
    assert.ok(satisfies(host.node, engines.node!));
  });
});

describe('engines: the range reader', () => {
  const version = fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30));
  const text = (v: readonly number[]) => v.join('.');
  const cmp = (a: readonly [number, number, number], b: readonly [number, number, number]) => compareVersions(a, b);

  it('reads every engines.node form our dependencies use', () => {
    const cases: [string, string, boolean][] = [
      ['22.15.1', '>=22.0.0', true],
      ['20.19.0', '>=22.0.0', false],
      ['20.0.0', '>=20', true],
      ['19.9.9', '>=20', false],
      ['14.16.0', '>=14.16', true],
      ['14.15.9', '>=14.16', false],
      ['14.0.0', '>= 14', true],
      ['13.9.0', '>= 14', false],
      ['6.0.0', '>=6.0', true],
      ['0.8.0', '>=0.8.0', true],
      ['12.20.0', '^12.20.0 || ^14.13.1 || >=16.0.0', true],
      ['13.0.0', '^12.20.0 || ^14.13.1 || >=16.0.0', false],
      ['14.13.0', '^12.20.0 || ^14.13.1 || >=16.0.0', false],
      ['14.20.0', '^12.20.0 || ^14.13.1 || >=16.0.0', true],
      ['15.5.0', '^12.20.0 || ^14.13.1 || >=16.0.0', false],
      ['24.22.3', '^12.20.0 || ^14.13.1 || >=16.0.0', true],
      ['1.139.1', '^1.101.0', true],
      ['1.100.2', '^1.101.0', false],
      ['2.0.0', '^1.101.0', false],
      ['v22.15.1', '>=22.0.0', true],
    ];
    for (const [v, range, expected] of cases) {
      assert.equal(satisfies(v, range), expected, `${v} in "${range}"`);
    }
  });

  it('refuses forms it does not know instead of guessing', () => {
    for (const range of ['1.2.3 - 2.3.4', '>=22.0.0-rc.1', 'latest', '>=', '']) {
      assert.throws(() => satisfies('22.0.0', range), /unsupported|empty|not a release/, range);
    }
  });

  it('>=X admits exactly the versions not below X; <X the rest', () => {
    fc.assert(fc.property(version, version, (v, x) => {
      assert.equal(satisfies(text(v), `>=${text(x)}`), cmp(v, x) >= 0);
      assert.equal(satisfies(text(v), `<${text(x)}`), cmp(v, x) < 0);
      assert.equal(satisfies(text(v), `>${text(x)}`), cmp(v, x) > 0);
      assert.equal(satisfies(text(v), `<=${text(x)}`), cmp(v, x) <= 0);
    }));
  });

  it('^X.Y.Z with X > 0 is >=X.Y.Z <X+1.0.0, and ~X.Y.Z is >=X.Y.Z <X.Y+1.0', () => {
    fc.assert(fc.property(version, fc.tuple(fc.integer({ min: 1, max: 30 }), fc.nat(30), fc.nat(30)), (v, x) => {
      assert.equal(satisfies(text(v), `^${text(x)}`), satisfies(text(v), `>=${text(x)} <${x[0] + 1}.0.0`));
      assert.equal(satisfies(text(v), `~${text(x)}`), satisfies(text(v), `>=${text(x)} <${x[0]}.${x[1] + 1}.0`));
    }));
  });

  it('|| is a union and spaces an intersection', () => {
    fc.assert(fc.property(version, version, version, (v, a, b) => {
      assert.equal(satisfies(text(v), `>=${text(a)} || >=${text(b)}`), cmp(v, a) >= 0 || cmp(v, b) >= 0);
      assert.equal(satisfies(text(v), `>=${text(a)} <${text(b)}`), cmp(v, a) >= 0 && cmp(v, b) < 0);
    }));
  });

  it('a partial version stands for every version it names', () => {
    fc.assert(fc.property(version, fc.nat(30), fc.nat(30), (v, major, minor) => {
      assert.equal(satisfies(text(v), `${major}`), v[0] === major);
      assert.equal(satisfies(text(v), `${major}.${minor}`), v[0] === major && v[1] === minor);
      assert.equal(satisfies(text(v), `>${major}`), v[0] > major);
      assert.equal(satisfies(text(v), `<=${major}.${minor}`), v[0] < major || (v[0] === major && v[1] <= minor));
    }));
  });

  it('finds the lowest version a range admits', () => {
    assert.deepEqual(lowestAdmitted('>=22.0.0'), [22, 0, 0]);
    assert.deepEqual(lowestAdmitted('^12.20.0 || ^14.13.1 || >=16.0.0'), [12, 20, 0]);
    assert.deepEqual(lowestAdmitted('>= 14'), [14, 0, 0]);
  });
});
