/** GET /api/events: the live feed as Server-Sent Events (see wire.ts for the messages). */
import type { FastifyInstance } from 'fastify';
import type { LiveFeed } from './feed.js';

export function registerLive(app: FastifyInstance, feed: LiveFeed): void {
  app.get('/api/events', (req, reply) => {
    // The stream outlives the handler: fastify must neither answer nor time it out.
    void reply.hijack();
    req.raw.socket.setNoDelay(true);
    feed.open(reply.raw);
  });
  // Open streams would keep the server's close() waiting for ever.
  app.addHook('preClose', (done) => {
    feed.close();
    done();
  });
}
