/**
 * The publisher's queue of topics waiting to go out, in the order they started waiting: a list
 * linked through the entries themselves, so taking the first, adding one and removing any one
 * are O(1), whatever else waits: a pump costs what it sends, not the length of the queue.
 */
export interface Queued<T> {
  prev: T | undefined;
  next: T | undefined;
  /** In the list. */
  queued: boolean;
}

export class PendingList<T extends Queued<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  first(): T | undefined {
    return this.head;
  }

  /** Appends `e`; one already waiting keeps its place. */
  push(e: T): void {
    if (e.queued) return;
    e.queued = true;
    e.prev = this.tail;
    e.next = undefined;
    if (this.tail === undefined) this.head = e;
    else this.tail.next = e;
    this.tail = e;
    this.count++;
  }

  /** Takes `e` out wherever it is; nothing when it does not wait. */
  remove(e: T): void {
    if (!e.queued) return;
    e.queued = false;
    if (e.prev === undefined) this.head = e.next;
    else e.prev.next = e.next;
    if (e.next === undefined) this.tail = e.prev;
    else e.next.prev = e.prev;
    e.prev = undefined;
    e.next = undefined;
    this.count--;
  }
}
