"""What every SDK driver shares: the customer step and the report.

A driver is run by tests/sdk.rs as `python3 <driver>.py <fake base URL> <secret>`. It drives one
published SDK, unchanged except for its base URL, and prints one line per op:
`RESULT <op> PASS|FAIL <detail>`. The customer step (the PG's browser window) is not the SDK's
part: it is a plain HTTP call to the fake's test-only authorise endpoint.
"""
import json
import sys
import traceback
import urllib.request

BASE = sys.argv[1].rstrip("/")
SECRET = sys.argv[2]


def authorize(order_id, amount):
    """Plays the customer at the fake: the key (or token) the PG's window would hand over."""
    body = json.dumps({"order_id": order_id, "amount": amount}).encode()
    req = urllib.request.Request(BASE + "/__paydrill/authorize", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)["payment_key"]


def check(op, fn):
    """Runs one op; `fn` returns a short detail or raises (an AssertionError says what was wrong)."""
    try:
        detail = fn()
        print(f"RESULT {op} PASS {detail}", flush=True)
    except Exception as e:  # any failure of the op, reported, never hidden
        last = traceback.extract_tb(e.__traceback__)[-1]
        print(f"RESULT {op} FAIL {type(e).__name__}: {e} (line {last.lineno})", flush=True)


def expect_error(call, kind, **attrs):
    """`call()` must raise `kind` (with the given attribute values); returns a detail."""
    try:
        got = call()
    except kind as e:
        for name, want in attrs.items():
            have = getattr(e, name, None)
            assert have == want, f"{kind.__name__}.{name} = {have!r}, want {want!r}"
        code = getattr(e, "error_code", None) or getattr(e, "error_type", None) or getattr(e, "message", "")
        return f"{kind.__name__} {code}".strip()
    raise AssertionError(f"no {kind.__name__}; the SDK returned {got!r:.200}")
