/** Controls only the demo (`sparkstate demo`) offers, so a visitor can watch the host cope with an outage. */
import type { FastifyInstance } from 'fastify';

export interface DemoControls {
  /**
   * Closes the embedded MQTT broker (every client drops), waits a moment and listens again on the
   * same port; resolves once it accepts connections again. Rejects with SPB_ERR_LIFECYCLE while a
   * restart is under way.
   */
  restartBroker(): Promise<void>;
}

export function registerDemo(app: FastifyInstance, demo: DemoControls): void {
  app.post('/api/demo/restart-broker', async () => {
    await demo.restartBroker();
    return { restarted: true };
  });
}
