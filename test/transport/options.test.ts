import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ErrorCodes, isSparkplugError } from '../../src/errors.js';
import { MqttSession } from '../../src/transport/index.js';
import { freePort, startMosquitto } from '../helpers/mosquitto.js';
import { newSession, nextEvent } from './fixtures.js';

const isConfigError = (e: unknown): boolean => isSparkplugError(e) && e.code === ErrorCodes.CONFIG;

test('invalid options fail in the constructor with SPB_ERR_CONFIG', () => {
  const will = (): undefined => undefined;
  assert.throws(() => new MqttSession({ servers: [], clientId: 'c', will }), isConfigError);
  assert.throws(() => new MqttSession({ servers: ['http://x:1'], clientId: 'c', will }), isConfigError);
  assert.throws(() => new MqttSession({ servers: ['not a url'], clientId: 'c', will }), isConfigError);
  assert.throws(() => new MqttSession({ servers: ['mqtt://x:1'], clientId: '', will }), isConfigError);
  assert.throws(() => new MqttSession({ servers: ['mqtt://x:1'], clientId: 'c', will, backoff: { initialMs: 0 } }), isConfigError);
});

test('passwords (option or URL) never appear in log output or events', { timeout: 15_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.dispose());
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const dead = `mqtt://someone:url-s3cret@127.0.0.1:${await freePort()}`;
  const { session } = newSession([dead, broker.url], { logger, username: 'someone', password: 'opt-s3cret' });
  const events: string[] = [];
  session.on('error', (e) => events.push(e.message));
  session.on('connect', (c) => events.push(c.server));

  const connected = nextEvent(session, 'connect');
  await session.start();
  await connected;
  await session.stop();

  assert.match(logged, /connection attempt failed/);
  assert.match(logged, /\*\*\*@127\.0\.0\.1/, 'the URL is logged with its password masked');
  for (const secret of ['url-s3cret', 'opt-s3cret']) {
    assert.ok(!logged.includes(secret), `log contains ${secret}:\n${logged}`);
    assert.ok(!events.join('\n').includes(secret), `events contain ${secret}`);
  }
});
