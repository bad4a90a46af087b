/**
 * Fragments read once and used twice within one publication (a Contents plan reads the file lists its
 * assembly reads again). `read` keeps what it loads while the memo holds fewer than `budget` characters;
 * `take` answers from memory where it can and forgets what it answered, so the memo shrinks as the last
 * reader goes through the list. What did not fit is read again.
 */
export class FragmentMemo {
  private readonly kept = new Map<number, string>();
  private chars = 0;

  constructor(
    private readonly render: (ids: number[]) => Promise<Map<number, string>>,
    private readonly budget: number,
  ) {}

  readonly read = async (ids: number[]): Promise<Map<number, string>> => {
    const out = this.fromMemory(ids, false);
    const missing = ids.filter((id) => !out.has(id));
    if (missing.length === 0) return out;
    for (const [id, text] of await this.render(missing)) {
      out.set(id, text);
      if (this.chars + text.length <= this.budget) {
        this.kept.set(id, text);
        this.chars += text.length;
      }
    }
    return out;
  };

  readonly take = async (ids: number[]): Promise<Map<number, string>> => {
    const out = this.fromMemory(ids, true);
    const missing = ids.filter((id) => !out.has(id));
    if (missing.length > 0) for (const [id, text] of await this.render(missing)) out.set(id, text);
    return out;
  };

  private fromMemory(ids: number[], forget: boolean): Map<number, string> {
    const out = new Map<number, string>();
    for (const id of ids) {
      const text = this.kept.get(id);
      if (text === undefined) continue;
      out.set(id, text);
      if (forget) {
        this.kept.delete(id);
        this.chars -= text.length;
      }
    }
    return out;
  }
}
