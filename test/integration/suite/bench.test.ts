import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { api, children } from './helpers';

/** `npm run bench`: reads the extension's activation times in the real extension host. */
export function benchTests(): void {
  it('measures activation', async () => {
    const a = await api();
    const items = await children(a);
    assert.ok(items.length > 0, 'the bench workspace has skills');
    const out = process.env.ODOOBO_BENCH_OUT;
    assert.ok(out, 'ODOOBO_BENCH_OUT is not set');
    await fs.writeFile(out, JSON.stringify({ ...a.activation, treeItems: items.length }));
  });
}
