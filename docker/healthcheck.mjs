// The image's HEALTHCHECK, for `sparkstate edge` and `sparkstate host` alike: exit 0 when GET /healthz
// answers 200. Plain Node because the slim base image has neither curl nor wget. The port is the
// config's http.port, given as SPARKSTATE_HEALTH_PORT; the body goes to stdout for `docker inspect`.
const port = process.env.SPARKSTATE_HEALTH_PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.stdout.write(`${res.status} ${await res.text()}\n`);
  process.exit(res.status === 200 ? 0 : 1);
} catch (e) {
  // fetch reports "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
  process.stdout.write(`no answer on port ${port}: ${e?.cause?.code ?? e?.message ?? String(e)}\n`);
  process.exit(1);
}
