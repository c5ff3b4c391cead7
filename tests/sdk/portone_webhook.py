"""PortOne V2's official Python SDK verifies the PortOne fake's webhooks (Standard Webhooks):
`python portone_webhook.py <fake base URL> <API secret> <webhook secret> <port>`. It listens on
the port for the fake's webhooks, pays and partly cancels through the SDK, and verifies each
webhook with `portone_server_sdk.webhook.verify`, unchanged."""
import http.server
import sys
import threading
import time
import uuid

from harness import BASE, SECRET, authorize, check, expect_error
from portone_server_sdk import PortOneClient
from portone_server_sdk import webhook

WEBHOOK_SECRET, PORT = sys.argv[3], int(sys.argv[4])
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()

pay = PortOneClient(secret=SECRET, base_url=BASE).payment
payment_id = f"sdk-wh-{uuid.uuid4().hex[:12]}"
token = authorize(payment_id, 10000)
pay.confirm_payment(payment_id=payment_id, payment_token=token, total_amount=10000, currency="KRW")
pay.cancel_payment(payment_id=payment_id, amount=3000, reason="sdk partial")
deadline = time.time() + 5
while len(received) < 2 and time.time() < deadline:
    time.sleep(0.05)
by_type = {}
for headers, body in received:
    try:
        verified = webhook.verify(WEBHOOK_SECRET, body, headers)
        by_type[type(verified).__name__] = verified
    except Exception as e:  # reported by the ops below
        by_type.setdefault("errors", []).append(f"{type(e).__name__}: {e}")


def paid():
    w = by_type.get("WebhookTransactionPaid")
    assert w is not None, f"no verified Transaction.Paid: {by_type}"
    assert w.data.payment_id == payment_id, w
    return f"Transaction.Paid for {w.data.payment_id}"


def partial_cancelled():
    w = by_type.get("WebhookTransactionCancelledPartialCancelled")
    assert w is not None, f"no verified Transaction.PartialCancelled: {by_type}"
    assert w.data.payment_id == payment_id and w.data.cancellation_id, w
    return f"Transaction.PartialCancelled, cancellation {w.data.cancellation_id}"


def tampered():
    headers, body = received[0]
    forged = body.replace(payment_id, payment_id + "-x")
    return expect_error(lambda: webhook.verify(WEBHOOK_SECRET, forged, headers), webhook.WebhookVerificationError)


check("webhook_paid", paid)
check("webhook_partial_cancelled", partial_cancelled)
check("webhook_tampered", tampered)
server.shutdown()
