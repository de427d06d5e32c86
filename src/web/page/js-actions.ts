/** ui/actions.js: the commands a visitor can give (rebirth, write, restart broker) and the toasts that answer. */
export const ACTIONS_JS = String.raw`
const toasts = () => document.getElementById('toasts');

export function toast(message, kind) {
  const t = document.createElement('div');
  t.className = 'toast ' + (kind || 'ok');
  t.textContent = message;
  toasts().appendChild(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

/** POST a JSON body; resolves with the answer's JSON, rejects with the API's {code, message}. */
async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.code ? json.code + ': ' : '') + (json.message || res.statusText));
  return json;
}

export async function rebirth(node) {
  try {
    const r = await post('api/rebirth', { group: node.g, node: node.id });
    toast('Rebirth ' + (r.result === 'duplicate' ? 'already requested' : 'requested') + ' for ' + node.key);
  } catch (e) {
    toast('Rebirth of ' + node.key + ' failed: ' + e.message, 'error');
  }
}

/** Resolves true when the host sent the command (the new value shows once the edge reports it). */
export async function write(m, json) {
  const owner = m.owner;
  const body = owner.kind === 'node'
    ? { group: owner.g, node: owner.id, metric: m.name, value: json }
    : { group: owner.node.g, node: owner.node.id, device: owner.id, metric: m.name, value: json };
  try {
    await post('api/write', body);
    toast('Wrote ' + m.name + ' = ' + JSON.stringify(json) + ' to ' + owner.key);
    return true;
  } catch (e) {
    toast('Write of ' + m.name + ' failed: ' + e.message, 'error');
    return false;
  }
}

export async function restartBroker(button) {
  button.disabled = true;
  const label = button.textContent;
  button.textContent = 'Restarting…';
  toast('Broker going down: nodes turn stale, then birth again');
  try {
    await post('api/demo/restart-broker');
    toast('Broker is back; clients are reconnecting');
  } catch (e) {
    toast('Restart failed: ' + e.message, 'error');
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}
`;
