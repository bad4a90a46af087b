import { describe, expect, it } from 'vitest';
import { FragmentMemo } from '../../src/repo/fragment-memo.js';

/** A fragment source that records which ids each call asked for. */
function source(texts: Record<number, string>) {
  const asked: number[][] = [];
  const render = async (ids: number[]) => {
    asked.push(ids);
    return new Map(ids.filter((id) => texts[id] !== undefined).map((id) => [id, texts[id]]));
  };
  return { asked, render };
}

describe('FragmentMemo', () => {
  it('reads each fragment once when the memo holds them, and forgets what take answered', async () => {
    const { asked, render } = source({ 1: 'a\n', 2: 'bb\n', 3: 'ccc\n' });
    const memo = new FragmentMemo(render, 1000);
    expect(await memo.read([1, 2, 3])).toEqual(new Map([[1, 'a\n'], [2, 'bb\n'], [3, 'ccc\n']]));
    expect(await memo.read([2])).toEqual(new Map([[2, 'bb\n']]));
    expect(await memo.take([3, 1])).toEqual(new Map([[3, 'ccc\n'], [1, 'a\n']]));
    expect(asked).toEqual([[1, 2, 3]]);
    // Taken: the next reader goes to the source again.
    expect(await memo.take([1, 2])).toEqual(new Map([[1, 'a\n'], [2, 'bb\n']]));
    expect(asked).toEqual([[1, 2, 3], [1]]);
  });

  it('keeps no more than its budget and reads the rest again', async () => {
    const { asked, render } = source({ 1: 'xxxx', 2: 'yyyy', 3: 'zzzz' });
    const memo = new FragmentMemo(render, 8);
    await memo.read([1, 2, 3]);
    const again = await memo.take([1, 2, 3]);
    expect([...again.keys()].sort()).toEqual([1, 2, 3]);
    expect(again.get(3)).toBe('zzzz');
    expect(asked).toEqual([[1, 2, 3], [3]]);
  });

  it('answers nothing for an id the source does not know', async () => {
    const { render } = source({ 1: 'a' });
    const memo = new FragmentMemo(render, 100);
    expect((await memo.read([1, 9])).has(9)).toBe(false);
    expect((await memo.take([9])).size).toBe(0);
  });
});
