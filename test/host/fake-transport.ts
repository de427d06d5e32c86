/**
 * An in-memory HostTransport for protocol tests: records every SUBSCRIBE and PUBLISH in order,
 * asks for the Will before each simulated CONNECT (as the real MqttSession does), and lets a test
 * inject messages and drop the link. Emits the same events as MqttSession.
 */
import { TypedEmitter } from '../../src/events.js';
import type { HostTransport } from '../../src/host/index.js';
import type { DisconnectOptions, MqttSessionEvents, PublishOptions, SubscriptionFilter, WillMessage } from '../../src/transport/index.js';

export type WireEvent =
  | { readonly kind: 'connect'; readonly will: WillMessage | undefined }
  | { readonly kind: 'subscribe'; readonly topics: readonly string[]; readonly qos: readonly (0 | 1 | 2)[] }
  | { readonly kind: 'publish'; readonly topic: string; readonly payload: Uint8Array; readonly qos: 0 | 1 | 2; readonly retain: boolean }
  | { readonly kind: 'disconnect'; readonly clean: boolean };

export type Published = Extract<WireEvent, { kind: 'publish' }>;

const SERVER = 'fake://broker';

export class FakeTransport extends TypedEmitter<MqttSessionEvents> implements HostTransport {
  /** Everything the host did on the wire, in order. */
  readonly wire: WireEvent[] = [];
  /** Set by the test to `() => host.willMessage()` (the real session's `will` option). */
  will: (() => WillMessage | undefined) | undefined;
  started = false;
  private connected = false;
  private sessions = 0;

  get published(): Published[] {
    return this.wire.filter((e): e is Published => e.kind === 'publish');
  }

  publishedTo(topic: string): Published[] {
    return this.published.filter((p) => p.topic === topic);
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(opts: DisconnectOptions = {}): Promise<void> {
    if (this.connected && opts.beforeDisconnect !== undefined) await opts.beforeDisconnect();
    if (this.connected) {
      this.wire.push({ kind: 'disconnect', clean: true });
      this.emit('disconnect', { server: SERVER, serverIndex: 0, sessionId: this.sessions, reason: 'stop' });
    }
    this.connected = false;
  }

  async subscribe(filters: readonly SubscriptionFilter[]): Promise<void> {
    if (!this.connected) throw new Error('fake: subscribe while disconnected');
    this.wire.push({ kind: 'subscribe', topics: filters.map((f) => f.topic), qos: filters.map((f) => f.qos) });
  }

  async publish(topic: string, payload: Uint8Array, opts: PublishOptions): Promise<void> {
    if (!this.connected) throw new Error('fake: publish while disconnected');
    this.wire.push({ kind: 'publish', topic, payload, qos: opts.qos, retain: opts.retain });
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** CONNECT (with a fresh Will) and CONNACK. */
  connect(): void {
    const will = this.will?.();
    this.wire.push({ kind: 'connect', will });
    this.connected = true;
    this.emit('connect', { server: SERVER, serverIndex: 0, sessionId: ++this.sessions, will });
  }

  /** The link drops (broker restart, network cut). */
  drop(): void {
    this.connected = false;
    this.wire.push({ kind: 'disconnect', clean: false });
    this.emit('disconnect', { server: SERVER, serverIndex: 0, sessionId: this.sessions, reason: 'lost' });
  }

  /** A message delivered by the broker. */
  inject(topic: string, payload: Uint8Array): void {
    this.emit('message', topic, payload, { qos: 1, retain: false });
  }
}
