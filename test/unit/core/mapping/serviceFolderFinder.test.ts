import * as assert from 'node:assert/strict';
import { manifestName, serviceKey, ServiceFolderFinder } from '../../../../src/core/mapping/serviceFolderFinder';
import { WorkspaceFileIndex } from '../../../../src/core/mapping/workspaceFileIndex';
import { manifestReader, manifests, root, sources } from './multiServiceWorkspace';

describe('ServiceFolderFinder', () => {
  const folders = [{ name: 'demo', path: root }];
  const index = (): WorkspaceFileIndex => WorkspaceFileIndex.fromFiles([...Object.keys(manifests), ...sources].map((relativePath) => ({ folder: 'demo', relativePath })));

  it('finds a service’s folder from each kind of manifest, and from a folder named like it', async () => {
    const finder = new ServiceFolderFinder(manifestReader());
    const idx = index();
    const found: Record<string, string | undefined> = {};
    for (const service of ['frontend', 'payment', 'recommendation', 'quote', 'ad', 'fraud-detection', 'checkout', 'accounting', 'shipping', 'email']) {
      const place = await finder.find(service, folders, idx);
      found[service] = place && [place.folder.name, ...place.under].join('/');
    }
    assert.deepEqual(found, {
      frontend: 'demo/src/web', // package.json name, its npm scope dropped
      payment: 'demo/src/pay', // package.json
      recommendation: 'demo/src/recs', // pyproject.toml [project] name, not [build-system]'s
      quote: 'demo/src/quotes', // setup.cfg [metadata]
      ad: 'demo/src/ads', // pom.xml's own artifactId, not the parent's or a dependency's
      'fraud-detection': 'demo/src/frauds', // settings.gradle.kts rootProject.name
      checkout: 'demo/src/co', // go.mod module's last segment, without /v2
      accounting: 'demo/src/acct', // the .csproj file's name
      shipping: 'demo/src/shipper', // build.gradle rootProject.name
      email: 'demo/src/email', // no manifest names it: the folder's name
    });
    assert.match((await finder.find('Payment', folders, idx))?.because ?? '', /src\/pay\/package\.json names payment/);
  });

  it('answers nothing for an unknown service or when two folders claim it', async () => {
    const texts = { ...manifests, 'src/quotes/setup.cfg': '[metadata]\nname = payment\n' };
    const finder = new ServiceFolderFinder(manifestReader([], texts));
    assert.equal(await finder.find('payment', folders, index()), undefined);
    assert.equal(await finder.find('nobody', folders, index()), undefined);
  });

  it('ignores manifests and folders inside dependencies', async () => {
    const idx = WorkspaceFileIndex.fromFiles(
      ['src/web/vendor/payment/package.json', 'src/web/node_modules/x/package.json', '.venv/lib/site-packages/payment/x.py'].map((relativePath) => ({ folder: 'demo', relativePath })),
    );
    const finder = new ServiceFolderFinder(() => Promise.resolve(JSON.stringify({ name: 'payment' })));
    assert.equal(await finder.find('payment', folders, idx), undefined);
  });

  it('reads each manifest once, again only after it changed, and follows the index', async () => {
    const reads: string[] = [];
    const finder = new ServiceFolderFinder(manifestReader(reads));
    const idx = index();
    await finder.find('payment', folders, idx);
    await finder.find('frontend', folders, idx);
    const first = reads.length;
    assert.equal(first, Object.keys(manifests).length);
    finder.invalidate([{ folder: 'demo', relativePath: 'src/pay/package.json' }]);
    idx.add('demo', 'services/billing/package.json');
    await finder.find('payment', folders, idx);
    assert.deepEqual(reads.slice(first), [`${root}/src/pay/package.json`, `${root}/services/billing/package.json`]);
  });

  it('reads names out of manifest text', () => {
    assert.equal(manifestName('package.json', '{"name": "@scope/web"}'), '@scope/web');
    assert.equal(manifestName('package.json', 'not json'), undefined);
    assert.equal(manifestName('pyproject.toml', '[tool.poetry]\nname = "recs"\n'), 'recs');
    assert.equal(manifestName('go.mod', '// c\nmodule example.com/shop/cart\n'), 'example.com/shop/cart');
    assert.equal(manifestName('Cart.Api.csproj', ''), 'Cart.Api');
    assert.equal(serviceKey('github.com/shop/cart-service/v2'), 'cartservice');
    assert.equal(serviceKey('@shop/Cart_Service'), 'cartservice');
  });
});
