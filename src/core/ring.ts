/**
 * A FIFO on a growable ring: push, shift and unshift without reallocating
 * or shrinking per element (protocol and inproc queues empty and refill per message).
 * @internal
 */
export class Ring<T> {
  private buf: (T | undefined)[] = new Array<T | undefined>(8);
  /** buf.length - 1 (the length is a power of two). */
  private mask = 7;
  private head = 0;
  size = 0;

  push(v: T): void {
    if (this.size > this.mask) this.grow();
    this.buf[(this.head + this.size) & this.mask] = v;
    this.size++;
  }

  unshift(v: T): void {
    if (this.size > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return v;
  }

  /** Removes every element and returns them in order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.size > 0) out.push(this.shift()!);
    return out;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
