// What every Node SDK driver shares: the customer step and the report (see harness.py).
// Run by tests/sdk.rs as `node <driver>.cjs <fake base URL> <secret>`, with NODE_PATH at the
// cached node_modules; prints `RESULT <op> PASS|FAIL <detail>` per op.
const BASE = process.argv[2].replace(/\/$/, "");
const SECRET = process.argv[3];

// Plays the customer at the fake: the key (or token) the PG's window would hand over.
async function authorize(orderId, amount) {
  const resp = await fetch(`${BASE}/__paydrill/authorize`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ order_id: orderId, amount }),
  });
  return (await resp.json()).payment_key;
}

async function check(op, fn) {
  try {
    const detail = await fn();
    console.log(`RESULT ${op} PASS ${detail}`);
  } catch (e) {
    console.log(`RESULT ${op} FAIL ${e && e.name}: ${e && e.message}`.replace(/\n/g, " "));
  }
}

function assert(ok, what) {
  if (!ok) throw new Error(`assertion failed: ${what}`);
}

// `call()` must reject with an error `matches` accepts; returns a detail.
async function expectError(call, what, matches) {
  let got;
  try {
    got = await call();
  } catch (e) {
    assert(matches(e), `${what}: got ${e && e.name} ${JSON.stringify(e && (e.data || e.message))}`);
    return `${e.name} ${what}`;
  }
  throw new Error(`no ${what}; the SDK returned ${JSON.stringify(got).slice(0, 200)}`);
}

module.exports = { BASE, SECRET, authorize, check, assert, expectError };
