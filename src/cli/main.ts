#!/usr/bin/env node
/** The `sparkstate` command. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { logLevelSchema } from '../config/common.js';
import { OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES } from '../config/opcua.js';
import { isSparkplugError } from '../errors.js';
import { idProblem } from '../topic/index.js';
import { decodeCommand, type DecodeOptions } from './decode-command.js';
import { edgeCommand } from './edge-command.js';
import { hostCommand } from './host-command.js';
import type { BrowseOptions } from './opcua-browse.js';
import { sniffCommand } from './sniff.js';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positive(value: string): number {
  const n = integer(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function groupId(value: string): string {
  const problem = idProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`group id ${problem}`);
  return value;
}

const program = new Command('sparkstate')
  .description('Sparkplug B 3.0 edge node and host application')
  .showHelpAfterError();

program
  .command('edge')
  .description('run an edge node')
  .requiredOption('-c, --config <file>', 'edge YAML config (see config/edge.example.yaml)')
  .action((o: { config: string }) => edgeCommand(o.config));

program
  .command('host')
  .description('run a host application with its HTTP API')
  .requiredOption('-c, --config <file>', 'host YAML config')
  .action((o: { config: string }) => hostCommand(o.config));

program
  .command('demo')
  .description('embedded broker + host application with HTTP API + simulated edge node + live message view')
  .option('-p, --port <port>', 'port of the embedded broker (default: MQTT_PORT, else any free port)', integer)
  .option('--http-port <port>', 'port of the web page and HTTP API (default: HTTP_PORT, else 8080; a taken port falls back to a free one)', integer)
  .option('--duration <seconds>', 'stop after this many seconds', integer)
  // Loaded when run: the broker, web server and their dependencies cost the other commands start-up time.
  .action(async (o: { port?: number; httpPort?: number; duration?: number }) => {
    const { demoCommand } = await import('./demo.js');
    await demoCommand({ port: o.port, httpPort: o.httpPort, durationSec: o.duration });
  });

program
  .command('sniff')
  .description('print every Sparkplug message on a broker, decoded (metrics by name), and flag what breaks the rules')
  .argument('[url]', 'broker URL (default mqtt://127.0.0.1:1883)')
  .option('-b, --broker <url>', 'broker URL (instead of the argument)')
  .option('-g, --group <group>', "only this group's messages (STATE messages are shown either way)", groupId)
  .option('--json', 'one JSON object per message (bigints as strings, bytes as hex)', false)
  .action((url: string | undefined, o: { broker?: string; group?: string; json: boolean }) => {
    if (url !== undefined && o.broker !== undefined && url !== o.broker) throw new InvalidArgumentError('sniff: give the broker URL once');
    return sniffCommand(url ?? o.broker ?? 'mqtt://127.0.0.1:1883', { json: o.json, ...(o.group === undefined ? {} : { group: o.group }) });
  });

program
  .command('decode')
  .description('decode one Sparkplug B payload to JSON: from a file (raw bytes, or hex/base64 text), stdin (-), hex or base64')
  .argument('[input]', 'FILE, - for stdin, or the payload as hex')
  .option('-f, --file <file>', 'read the payload from a file (same as giving FILE)')
  .option('--base64 <b64>', 'the payload as base64')
  .action((input: string | undefined, o: DecodeOptions) => decodeCommand(input, o));

const opcua = program.command('opcua').description('OPC UA tools');

opcua
  .command('browse')
  .description('walk an OPC UA server and print a devices: block for the edge config (YAML on stdout)')
  .requiredOption('-e, --endpoint <url>', 'server endpoint, e.g. opc.tcp://plc:4840')
  .option('--root <nodeId>', 'where to start (any NodeId form, nsu= too)', 'i=85')
  .option('--depth <levels>', 'levels below the root to walk', positive, 10)
  .option('--device-id <id>', 'device id (default: from the root browse name or the server application name)')
  .option('--username <user>', 'user name; the password comes from SPARKSTATE_OPCUA_PASSWORD')
  .addOption(new Option('--security-mode <mode>', 'message security mode').choices(OPCUA_SECURITY_MODES).default('None'))
  .addOption(new Option('--security-policy <policy>', 'security policy').choices(OPCUA_SECURITY_POLICIES).default('None'))
  .option('--pki <dir>', 'client PKI folder to keep (default: a temporary one, removed at exit)')
  .addOption(new Option('--log-level <level>', 'stderr log level').choices(logLevelSchema.unwrap().options).default('info'))
  .action(async (o: BrowseOptions) => {
    // Loaded on demand: node-opcua is heavy and prints on load, which other commands must not pay for.
    const { opcuaBrowseCommand } = await import('./opcua-browse.js');
    await opcuaBrowseCommand(o);
  });

program.parseAsync().catch((e: unknown) => {
  const code = isSparkplugError(e) ? `${e.code}: ` : '';
  process.stderr.write(`sparkstate: ${code}${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
