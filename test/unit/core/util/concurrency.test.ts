import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gate, mapLimit } from '../../../../src/core/util/concurrency';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('Gate', () => {
  it('lets at most `limit` calls run at once, in the order they came, and frees a slot when a call throws', async () => {
    const gate = new Gate(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const calls = Array.from({ length: 7 }, (_, i) =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await tick();
        running--;
        if (i === 1) throw new Error('boom');
        return i;
      }),
    );
    const settled = await Promise.allSettled(calls);
    assert.equal(most, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(settled.filter((s) => s.status === 'rejected').length, 1);
    assert.deepEqual(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])), [0, 2, 3, 4, 5, 6]);
    // All slots are free again: two calls start at once (without waiting a turn), a third waits.
    let started = 0;
    const three = [0, 1, 2].map(() => gate.run(async () => (started++, tick())));
    assert.equal(started, 2);
    await Promise.all(three);
    assert.equal(started, 3);
  });
});

describe('mapLimit', () => {
  it('keeps the input order with a bound on calls in flight', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, x));
      running--;
      return x * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
  });
});
