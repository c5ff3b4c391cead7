"""A PG's own sample merchant server, as Toss Payments publishes one: a single route.

`POST /confirm` with JSON {"paymentKey", "orderId", "amount"} (what the customer's browser got
from the Toss widget, with the order id and amount the browser itself made up) confirms the
payment at Toss and answers Toss's own JSON and status code. No order store, no cancel, no read,
no idempotency: the platform paydrill drills when a merchant starts from the sample.

    python3 tests/targets/tosssample.py --port 0 --toss-url http://127.0.0.1:18101 \\
        --toss-secret test_sk_paydrill_toss_4f2a9c [--pg-timeout 1.0]

Prints `listening on http://127.0.0.1:<port>` once up; stops on SIGTERM/SIGINT.
"""

import argparse
import base64
import json
import signal
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--toss-url", required=True)
    parser.add_argument("--toss-secret", required=True)
    parser.add_argument("--pg-timeout", type=float, default=1.0)
    args = parser.parse_args()
    auth = "Basic " + base64.b64encode((args.toss_secret + ":").encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path != "/confirm":
                return self.answer(404, {"code": "NOT_FOUND", "message": "no such route"})
            try:
                body = json.loads(raw or b"{}")
                payload = {"paymentKey": body["paymentKey"], "orderId": body["orderId"], "amount": body["amount"]}
            except (ValueError, KeyError, TypeError):
                return self.answer(400, {"code": "INVALID_REQUEST", "message": "paymentKey, orderId, amount"})
            request = urllib.request.Request(
                args.toss_url.rstrip("/") + "/v1/payments/confirm",
                data=json.dumps(payload).encode(),
                headers={"Authorization": auth, "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=args.pg_timeout) as resp:
                    return self.answer(resp.status, json.loads(resp.read() or b"{}"))
            except urllib.error.HTTPError as e:
                return self.answer(e.code, json.loads(e.read() or b"{}"))
            except Exception as e:  # a timeout or a dropped connection: the outcome is unknown
                return self.answer(504, {"code": "GATEWAY_TIMEOUT", "message": str(e)})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
