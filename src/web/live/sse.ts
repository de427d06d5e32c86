/** One Server-Sent Events response stream, with a bound on what may wait in its socket buffer. */
import type { ServerResponse } from 'node:http';

export class SseStream {
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    /** A client that lets this much pile up unread is dropped; its EventSource reconnects and starts from a snapshot. */
    private readonly maxBufferedBytes: number,
    /** Browsers wait this long before reconnecting a dropped stream. */
    retryMs: number,
    private readonly onClose: () => void,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // The connection ends with the stream: a kept-alive idle socket would hold up the server's close().
      connection: 'close',
      // Reverse proxies (nginx) would otherwise hold events back to fill their buffers.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${retryMs}\n\n`);
    res.on('close', () => this.end());
  }

  /** `data` must be one line (JSON.stringify output is). */
  send(event: string, data: string): void {
    if (this.closed) return;
    // Destroyed, not ended: ending would wait for the reader that is not reading.
    if (this.res.writableLength > this.maxBufferedBytes) this.close(true);
    else this.res.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  /** A comment line: keeps idle connections open through proxies and detects dead peers. */
  ping(): void {
    if (!this.closed) this.res.write(': ping\n\n');
  }

  end(): void {
    this.close(false);
  }

  private close(destroy: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (destroy) this.res.destroy();
    else this.res.end();
    this.onClose();
  }
}
