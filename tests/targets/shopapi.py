#!/usr/bin/env python3
"""shopapi: a synchronous order/payment REST service in its own vocabulary, a test target for
paydrill (a platform whose API paydrill was not shaped around). Standard library only.

    python3 tests/targets/shopapi.py --port 0 --toss-url http://127.0.0.1:18101 \
        --toss-secret test_sk_paydrill_toss_4f2a9c [--pg-timeout 1.0] [--first-number 1] [--bug NAME]...

Every POST needs an `X-Request-Token` header (400 TOKEN_REQUIRED). Success `{"data": {...}}`,
error `{"error": {"code", "message", ...}}`. Same token + same request: the stored answer (a
replayed create answers 200, not 201); same token + another request: 422 TOKEN_REUSED.

  POST /api/v2/purchases {"gateway": "toss", "total": N}
       201 {"data": {"purchase_no": "P-000001", "state": "OPEN", "total": N}}
       400 TOKEN_REQUIRED | BAD_TOTAL | UNKNOWN_GATEWAY | BAD_REQUEST
  POST /api/v2/purchases/{purchase_no}/pay {"payment_key": "...", "amount": N}     (Toss confirm)
       200 {"data": {"purchase_no", "payment_no": "PAY-000001", "state": "PAID", "paid", "refundable"}}
       200 {"error": {"code": "GATEWAY_DECLINED", "message", "gateway_code"}}         (Toss refused)
       202 {"data": {"purchase_no", "payment_no": null, "state": "CHECKING", "paid": 0, "refundable": 0}}
       422 AMOUNT_MISMATCH (Toss not called) | 409 ALREADY_PAID (another key) | 502 GATEWAY_ERROR
  POST /api/v2/payments/{payment_no}/refunds {"amount": N} or {} (all that is left)  (Toss cancel)
       201 {"data": {"refund_no": "R-000001", "payment_no", "amount", "state", "refundable"}}
       409 EXCEEDS_REFUNDABLE | ALREADY_REFUNDED (both with "refundable") | 422 GATEWAY_DECLINED
       502 GATEWAY_ERROR | 504 GATEWAY_TIMEOUT (parked; settled against Toss's balanceAmount on the
       next refund or read of the payment, after which the same token gets the 201)
  GET  /api/v2/purchases/{no}  {"data": {"purchase_no", "state": OPEN|CHECKING|PAID|FAILED, "total", "payment_no"}}
  GET  /api/v2/payments/{no}   {"data": {"payment_no", "purchase_no", "state": PAID|PARTIALLY_REFUNDED|REFUNDED,
                                         "paid", "refundable", "refunds": [{"refund_no", "amount"}]}}
  anything else: 404 {"error": {"code": "NOT_FOUND", ...}}

A confirm whose outcome is unknown is never repeated blindly: the purchase stays CHECKING until
`GET /v1/payments/orders/{purchase_no}` at Toss (on the next purchase read or pay) tells.
Bugs (--bug, repeatable): see BUGS below.
"""
import argparse, base64, http.client, json, re, signal, sqlite3, sys, threading, time, traceback  # noqa: E401
import urllib.error, urllib.request  # noqa: E401
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUGS = {
    "racy-purchase": "create checks the token, sleeps 20 ms, then inserts with no uniqueness",
    "racy-refund": "refundable checked outside the payment lock; every refund recorded even if Toss refuses",
    "replay-other": "a replayed create answers another purchase_no (the one before, or a fresh one)",
    "skip-gateway-refund": "refunds are recorded and answered without calling Toss",
    "ack-unstored": "every third create answers 201 but is never stored",
}
PAID_AT_TOSS = ("DONE", "PARTIAL_CANCELED", "CANCELED")


class Toss:
    """The Toss Payments API client. `call` -> (kind, json): kind "ok" (2xx Payment), "refused"
    (4xx), "error" (5xx) or "unknown" (timeout, reset, unreadable answer: it may have happened)."""

    def __init__(self, url, secret, timeout):
        self.url, self.timeout = url.rstrip("/"), timeout
        self.auth = "Basic " + base64.b64encode((secret + ":").encode()).decode()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method, path, body=None, idem=None):
        headers = {"Authorization": self.auth, "Content-Type": "application/json"}
        if idem:
            headers["Idempotency-Key"] = idem
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            try:
                with self.opener.open(req, timeout=self.timeout) as r:
                    status, raw = r.status, r.read()
            except urllib.error.HTTPError as e:
                with e:
                    status, raw = e.code, e.read()
            payload = json.loads(raw)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
        except (OSError, http.client.HTTPException, ValueError) as e:
            return "unknown", {"code": "NO_ANSWER", "message": f"{type(e).__name__}: {e}"}
        return ("ok" if status < 300 else "refused" if status < 500 else "error"), payload

    def confirm(self, key, order_id, amount):
        return self.call("POST", "/v1/payments/confirm", {"paymentKey": key, "orderId": order_id, "amount": amount})

    def cancel(self, key, amount, idem):  # amount None: all that is left
        body = {"cancelReason": "refund"} if amount is None else {"cancelReason": "partial refund", "cancelAmount": amount}
        return self.call("POST", f"/v1/payments/{key}/cancel", body, idem)

    def by_order(self, order_id):
        return self.call("GET", f"/v1/payments/orders/{order_id}")

    def by_key(self, key):
        return self.call("GET", f"/v1/payments/{key}")


class KeyLocks:
    """One lock per key (a token, a purchase, a payment), made on first use."""

    def __init__(self):
        self._locks, self._guard = {}, threading.Lock()

    def __call__(self, key):
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def err(status, code, message, **extra):
    return status, {"error": {"code": code, "message": message, **extra}}


ROUTES = [("GET", r"/api/v2/purchases/([^/]+)", "read_purchase"), ("GET", r"/api/v2/payments/([^/]+)", "read_payment"),
          ("POST", r"/api/v2/purchases", "create"), ("POST", r"/api/v2/purchases/([^/]+)/pay", "pay"),
          ("POST", r"/api/v2/payments/([^/]+)/refunds", "refund")]


class ShopApi:
    def __init__(self, toss, bugs, first=1):
        self.toss, self.bugs, self.locks, self.creates = toss, bugs, KeyLocks(), 0
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.dblock = threading.RLock()
        self.seq = {"P": first - 1, "PAY": first - 1, "R": first - 1}
        self.db.executescript("""
            CREATE TABLE purchases (purchase_no TEXT PRIMARY KEY, total INT, state TEXT, payment_key TEXT,
                                    payment_no TEXT);
            CREATE TABLE payments (payment_no TEXT PRIMARY KEY, purchase_no TEXT, payment_key TEXT,
                                   paid INT, refundable INT);
            CREATE TABLE refunds (refund_no TEXT PRIMARY KEY, payment_no TEXT, amount INT, state TEXT,
                                  after INT, seq INTEGER);
            CREATE TABLE tokens (token TEXT PRIMARY KEY, hash TEXT, status INT, body TEXT, ref TEXT);""")

    # ---- storage: one connection, one lock; a `tx` commits all its statements or none ----
    def q(self, sql, *args):
        with self.dblock:
            return self.db.execute(sql, args).fetchall()

    def q1(self, sql, *args):
        return next(iter(self.q(sql, *args)), None)

    def tx(self, *stmts):
        with self.dblock, self.db:
            for sql, args in stmts:
                self.db.execute(sql, args)

    def next_no(self, prefix):
        with self.dblock:
            self.seq[prefix] += 1
            return f"{prefix}-{self.seq[prefix]:06d}"

    def token(self, token):
        return self.q1("SELECT * FROM tokens WHERE token = ?", token)

    @staticmethod
    def save_token(token, hash_, status, body, ref=None):
        return ("INSERT OR REPLACE INTO tokens VALUES (?,?,?,?,?)",
                (token, hash_, status, None if body is None else json.dumps(body), ref))

    def replay(self, rec, hash_, status=None):
        if rec["hash"] != hash_:
            return err(422, "TOKEN_REUSED", "this X-Request-Token was used for another request")
        return status or rec["status"], json.loads(rec["body"])

    def handle(self, method, path, headers, raw):
        for verb, pattern, name in ROUTES:
            match = re.fullmatch(pattern, path.rstrip("/"))
            if match and verb == method:
                break
        else:
            return err(404, "NOT_FOUND", f"no route {method} {path}")
        if method == "GET":
            return getattr(self, name)(*match.groups())
        token = headers.get("X-Request-Token")
        if not token:
            return err(400, "TOKEN_REQUIRED", "send an X-Request-Token header")
        try:
            body = json.loads(raw or b"{}")
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return err(400, "BAD_REQUEST", "the body must be a JSON object")
        return getattr(self, name)(*match.groups(), token, path + "|" + json.dumps(body, sort_keys=True), body)

    # ---- purchases ----
    def create(self, token, hash_, body):
        total = body.get("total")
        if body.get("gateway") != "toss":
            return err(400, "UNKNOWN_GATEWAY", f"gateway {body.get('gateway')!r} is not supported")
        if type(total) is not int or total <= 0:
            return err(400, "BAD_TOTAL", "total must be a positive whole number")
        if "racy-purchase" in self.bugs:  # check, sleep, insert: no lock, no uniqueness
            rec = self.token(token)
            if rec:
                return self.replay(rec, hash_, 200)
            time.sleep(0.02)
            return self.insert_purchase(token, hash_, total)
        with self.locks("token:" + token):
            rec = self.token(token)
            if rec and "replay-other" in self.bugs and rec["hash"] == hash_:
                original = json.loads(rec["body"])["data"]["purchase_no"]
                row = self.q1("SELECT * FROM purchases WHERE purchase_no < ? ORDER BY purchase_no DESC", original)
                if row is None:
                    return 200, self.insert_purchase(token + "#replay", hash_, total)[1]
                return 200, {"data": {"purchase_no": row["purchase_no"], "state": "OPEN", "total": row["total"]}}
            if rec:
                return self.replay(rec, hash_, 200)
            return self.insert_purchase(token, hash_, total)

    def insert_purchase(self, token, hash_, total):
        no = self.next_no("P")
        answer = {"data": {"purchase_no": no, "state": "OPEN", "total": total}}
        with self.dblock:
            self.creates += 1
            if "ack-unstored" in self.bugs and self.creates % 3 == 0:
                return 201, answer
        insert = "INSERT OR REPLACE" if "racy-purchase" in self.bugs else "INSERT"  # the token is unique
        self.tx(("INSERT INTO purchases VALUES (?,?,'OPEN',NULL,NULL)", (no, total)),
                (insert + " INTO tokens VALUES (?,?,201,?,NULL)", (token, hash_, json.dumps(answer))))
        return 201, answer

    def purchase(self, no):
        return self.q1("SELECT * FROM purchases WHERE purchase_no = ?", no)

    def paid_view(self, p):
        pay = self.q1("SELECT * FROM payments WHERE payment_no = ?", p["payment_no"])
        return {"data": {"purchase_no": p["purchase_no"], "payment_no": pay["payment_no"], "state": "PAID",
                         "paid": pay["paid"], "refundable": pay["refundable"]}}

    @staticmethod
    def checking(p):
        return 202, {"data": {"purchase_no": p["purchase_no"], "payment_no": None, "state": "CHECKING",
                              "paid": 0, "refundable": 0}}

    def read_purchase(self, no):
        p = self.purchase(no)
        if p is None:
            return err(404, "NOT_FOUND", f"no purchase {no}")
        if p["state"] == "CHECKING":
            with self.locks("purchase:" + no):
                p = self.resolve(no) or p
        return 200, {"data": {k: p[k] for k in ("purchase_no", "state", "total", "payment_no")}}

    def set_state(self, no, state, key=None):
        self.tx(("UPDATE purchases SET state = ?, payment_key = COALESCE(?, payment_key) WHERE purchase_no = ?",
                 (state, key, no)))

    def record_paid(self, no, key, paid, refundable):
        pay_no = self.next_no("PAY")
        self.tx(("INSERT INTO payments VALUES (?,?,?,?,?)", (pay_no, no, key, paid, refundable)),
                ("UPDATE purchases SET state = 'PAID', payment_key = ?, payment_no = ? WHERE purchase_no = ?",
                 (key, pay_no, no)))
        return self.purchase(no)

    def resolve(self, no):
        """Asks Toss what became of this purchase's confirm (caller holds the purchase lock): PAID
        when Toss approved it, else CHECKING turns OPEN (never approved) or FAILED (aborted).
        Returns the purchase as it now stands, or None when Toss cannot be asked."""
        p = self.purchase(no)
        if p["state"] == "PAID":
            return p
        kind, tp = self.toss.by_order(no)
        if kind == "ok" and tp.get("status") in PAID_AT_TOSS and tp.get("orderId") == no:
            return self.record_paid(no, tp["paymentKey"], tp["totalAmount"], tp["balanceAmount"])
        if not (kind == "ok" or (kind == "refused" and tp.get("code") == "NOT_FOUND_PAYMENT")):
            return None
        if p["state"] == "CHECKING":
            self.set_state(no, "FAILED" if tp.get("status") == "ABORTED" else "OPEN")
        return self.purchase(no)

    def pay(self, no, token, hash_, body):
        key, amount = body.get("payment_key"), body.get("amount")
        if not isinstance(key, str) or not key or type(amount) is not int:
            return err(400, "BAD_REQUEST", "send {\"payment_key\": \"...\", \"amount\": N}")
        with self.locks("token:" + token):
            rec = self.token(token)
            if rec:
                return self.replay(rec, hash_)
            with self.locks("purchase:" + no):
                status, answer = self.pay_locked(no, key, amount)
            if status in (200, 409, 422):  # final answers only: a 202 or 502 may be retried
                self.tx(self.save_token(token, hash_, status, answer))
            return status, answer

    def pay_locked(self, no, key, amount):
        p = self.purchase(no)
        if p is None:
            return err(404, "NOT_FOUND", f"no purchase {no}")
        if p["payment_key"] is not None and p["state"] != "PAID":
            # An earlier attempt was made: ask Toss before confirming anything again.
            seen = self.resolve(no)
            if seen is None and p["state"] != "CHECKING":
                return err(502, "GATEWAY_ERROR", "cannot verify an earlier payment attempt with Toss; retry")
            p = seen or p
            if p["state"] == "CHECKING":
                return self.checking(p)
        if p["state"] == "PAID":
            if p["payment_key"] == key:
                return 200, self.paid_view(p)
            return err(409, "ALREADY_PAID", "this purchase is paid with another payment key")
        if amount != p["total"]:
            return err(422, "AMOUNT_MISMATCH", f"amount {amount} differs from the total {p['total']}")
        self.set_state(no, "CHECKING", key)
        kind, tp = self.toss.confirm(key, no, amount)
        if kind == "ok":
            return 200, self.paid_view(self.record_paid(no, tp.get("paymentKey", key), amount,
                                                        tp.get("balanceAmount", amount)))
        if kind == "refused" and tp.get("code") in ("ALREADY_PROCESSED_PAYMENT", "DUPLICATED_ORDER_ID"):
            seen = self.resolve(no)  # Toss may already hold a payment for this purchase
            if seen is not None and seen["state"] == "PAID":
                return self.pay_locked(no, key, amount)
        if kind == "refused":
            self.set_state(no, "FAILED")
            return 200, {"error": {"code": "GATEWAY_DECLINED", "message": tp.get("message", ""),
                                   "gateway_code": tp.get("code")}}
        if kind == "error":
            self.set_state(no, "FAILED")
            return err(502, "GATEWAY_ERROR", tp.get("message", ""), gateway_code=tp.get("code"))
        return self.checking(p)

    # ---- payments and refunds ----
    @staticmethod
    def pay_state(paid, refundable):
        return "REFUNDED" if refundable <= 0 else "PAID" if refundable >= paid else "PARTIALLY_REFUNDED"

    def refund_answer(self, refund_no, pay_no, amount, paid, after):
        return {"data": {"refund_no": refund_no, "payment_no": pay_no, "amount": amount,
                         "state": self.pay_state(paid, after), "refundable": after}}

    def refund_view(self, refund_no):
        r = self.q1("SELECT r.*, p.paid FROM refunds r JOIN payments p USING (payment_no) WHERE refund_no = ?", refund_no)
        return self.refund_answer(refund_no, r["payment_no"], r["amount"], r["paid"], r["after"])

    @staticmethod
    def refusal(left, amount):
        if left <= 0:
            return err(409, "ALREADY_REFUNDED", "nothing is left to refund", refundable=0)
        if amount is not None and amount > left:
            return err(409, "EXCEEDS_REFUNDABLE", f"cannot refund {amount}: {left} is refundable", refundable=left)
        return None

    def payment(self, pay_no):
        return self.q1("SELECT * FROM payments WHERE payment_no = ?", pay_no)

    def read_payment(self, pay_no):
        if self.payment(pay_no) is None:
            return err(404, "NOT_FOUND", f"no payment {pay_no}")
        with self.locks("payment:" + pay_no):
            self.settle(pay_no)
            pay = self.payment(pay_no)
            refunds = self.q("SELECT refund_no, amount FROM refunds WHERE payment_no = ? AND state = 'DONE' "
                             "ORDER BY seq", pay_no)
        return 200, {"data": {"payment_no": pay_no, "purchase_no": pay["purchase_no"],
                              "state": self.pay_state(pay["paid"], pay["refundable"]), "paid": pay["paid"],
                              "refundable": pay["refundable"],
                              "refunds": [{"refund_no": r[0], "amount": r[1]} for r in refunds]}}

    def settle(self, pay_no):
        """Settles parked refunds against Toss's balanceAmount (caller holds the payment lock):
        each one the balance shows is DONE, the others FAILED. False when Toss cannot be asked."""
        pending = self.q("SELECT * FROM refunds WHERE payment_no = ? AND state = 'PENDING' ORDER BY seq", pay_no)
        if not pending:
            return True
        pay = self.payment(pay_no)
        kind, tp = self.toss.by_key(pay["payment_key"])
        if kind != "ok" or not isinstance(tp.get("balanceAmount"), int):
            return False
        left = pay["refundable"]
        for r in pending:
            if left - r["amount"] >= tp["balanceAmount"]:
                left -= r["amount"]
                self.tx(("UPDATE refunds SET state = 'DONE', after = ? WHERE refund_no = ?", (left, r["refund_no"])),
                        ("UPDATE payments SET refundable = ? WHERE payment_no = ?", (left, pay_no)))
            else:
                self.tx(("UPDATE refunds SET state = 'FAILED' WHERE refund_no = ?", (r["refund_no"],)))
        return True

    def refund(self, pay_no, token, hash_, body):
        amount = body.get("amount")
        if amount is not None and (type(amount) is not int or amount <= 0):
            return err(400, "BAD_AMOUNT", "amount must be a positive whole number (or absent for all that is left)")
        with self.locks("token:" + token):
            rec = self.token(token)
            if rec and (rec["hash"] != hash_ or rec["status"] is not None):
                return self.replay(rec, hash_)
            if self.payment(pay_no) is None:
                return err(404, "NOT_FOUND", f"no payment {pay_no}")
            if "racy-refund" in self.bugs:
                return self.refund_racy(pay_no, token, hash_, amount)
            with self.locks("payment:" + pay_no):
                return self.refund_locked(pay_no, token, hash_, amount, rec)

    def refund_locked(self, pay_no, token, hash_, amount, rec):
        if not self.settle(pay_no):
            return err(504, "GATEWAY_TIMEOUT", "an earlier refund is unsettled and Toss cannot be asked; retry")
        if rec is not None:  # this token's refund was parked: did Toss do it?
            if self.q1("SELECT state FROM refunds WHERE refund_no = ?", rec["ref"])[0] == "DONE":
                answer = self.refund_view(rec["ref"])
                self.tx(self.save_token(token, hash_, 201, answer, rec["ref"]))
                return 201, answer
        pay = self.payment(pay_no)
        left = pay["refundable"]
        refusal = self.refusal(left, amount)
        if refusal:
            self.tx(self.save_token(token, hash_, refusal[0], refusal[1]))
            return refusal
        wanted = left if amount is None else amount
        refund_no = self.next_no("R")
        self.tx(("INSERT INTO refunds VALUES (?,?,?,'PENDING',NULL,?)", (refund_no, pay_no, wanted, self.seq["R"])),
                self.save_token(token, hash_, None, None, refund_no))
        kind, tp = "ok", {}
        if "skip-gateway-refund" not in self.bugs:
            kind, tp = self.toss.cancel(pay["payment_key"], amount, f"shopapi-{refund_no}")
        if kind == "error":  # did Toss carry it out anyway? one look
            seen, sp = self.toss.by_key(pay["payment_key"])
            balance = sp.get("balanceAmount") if seen == "ok" else None
            kind = "ok" if balance == left - wanted else "error" if balance == left else "unknown"
        if kind == "ok":
            answer = self.refund_answer(refund_no, pay_no, wanted, pay["paid"], left - wanted)
            self.tx(("UPDATE refunds SET state = 'DONE', after = ? WHERE refund_no = ?", (left - wanted, refund_no)),
                    ("UPDATE payments SET refundable = ? WHERE payment_no = ?", (left - wanted, pay_no)),
                    self.save_token(token, hash_, 201, answer, refund_no))
            return 201, answer
        if kind == "unknown":  # parked: settled on the next refund or read of this payment
            return err(504, "GATEWAY_TIMEOUT", f"Toss did not answer ({tp.get('message')}); the refund is pending",
                       refund_no=refund_no)
        code = "GATEWAY_DECLINED" if kind == "refused" else "GATEWAY_ERROR"
        status, answer = err(422 if kind == "refused" else 502, code, tp.get("message", ""), gateway_code=tp.get("code"))
        self.tx(("UPDATE refunds SET state = 'FAILED' WHERE refund_no = ?", (refund_no,)),
                self.save_token(token, hash_, status, answer) if status == 422
                else ("DELETE FROM tokens WHERE token = ?", (token,)))
        return status, answer

    def refund_racy(self, pay_no, token, hash_, amount):
        """racy-refund: check outside any lock, sleep, record, then call Toss and keep the record."""
        pay = self.payment(pay_no)
        left = pay["refundable"]
        if self.refusal(left, amount):
            return self.refusal(left, amount)
        wanted = left if amount is None else amount
        time.sleep(0.02)
        refund_no = self.next_no("R")
        with self.dblock:
            self.tx(("UPDATE payments SET refundable = refundable - ? WHERE payment_no = ?", (wanted, pay_no)))
            after = self.payment(pay_no)["refundable"]
            self.tx(("INSERT INTO refunds VALUES (?,?,?,'DONE',?,?)", (refund_no, pay_no, wanted, after, self.seq["R"])))
        self.toss.cancel(pay["payment_key"], amount, f"shopapi-{refund_no}")  # a refusal is ignored
        answer = self.refund_view(refund_no)
        self.tx(self.save_token(token, hash_, 201, answer, refund_no))
        return 201, answer


class Handler(BaseHTTPRequestHandler):
    protocol_version, app = "HTTP/1.1", None

    def log_message(self, *args):
        pass

    def do_GET(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, body = self.app.handle(self.command, self.path.split("?")[0], self.headers, raw)
        except Exception as e:  # a bug in this service, not an answer
            traceback.print_exc()
            status, body = err(500, "INTERNAL", f"{type(e).__name__}: {e}")
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--toss-url", default="http://127.0.0.1:18101")
    ap.add_argument("--toss-secret", default="test_sk_paydrill_toss_4f2a9c")
    ap.add_argument("--pg-timeout", type=float, default=1.0, help="seconds before a Toss call counts as unknown")
    ap.add_argument("--first-number", type=int, default=1,
                    help="first P-/PAY-/R- number (Toss remembers order ids across restarts of this service)")
    ap.add_argument("--bug", action="append", default=[], choices=sorted(BUGS), metavar="NAME",
                    help="switch on a bug (repeatable): " + ", ".join(sorted(BUGS)))
    args = ap.parse_args()
    app = ShopApi(Toss(args.toss_url, args.toss_secret, args.pg_timeout), set(args.bug), max(1, args.first_number))
    ThreadingHTTPServer.request_queue_size = 256  # the default backlog of 5 resets bursts of clients
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), type("H", (Handler,), {"app": app}))
    except OSError as e:
        sys.exit(f"cannot listen on 127.0.0.1:{args.port}: {e}")
    server.daemon_threads = True
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
