#!/usr/bin/env python3
"""asyncpay: an asynchronous order/payment service ("store first, answer at once, status URL to
follow"), a test target for paydrill. Side work goes through queues served by worker threads;
the client confirms with Toss's paymentKey. Standard library only.

    python3 tests/targets/asyncpay.py --port 0 --toss-url http://127.0.0.1:18101 \
        --toss-secret test_sk_paydrill_toss_4f2a9c [--pg-timeout 1.0] [--bug NAME]...

Every POST needs an `Idempotency-Key` header (400 KEY_REQUIRED). Errors: `{"code", "message", ...}`.
Same key + other body -> 422 KEY_REUSED. An order is {"id": "ord-<hex>", "amount", "state",
"balance", "paymentKey"}, state CREATED|PENDING|APPROVED|PARTIAL_REFUNDED|REFUNDED|FAILED.

  POST /orders  {"pg": "toss", "amount": N}
       202 {"ticket": "t-<hex>", "status": "QUEUED"}  Location: /orders/status/<ticket>
       (same key + same body: the same 202; a worker stores the order 5-30 ms later)
  GET  /orders/status/<ticket>   200 {"status": "QUEUED"} | {"status": "STORED", "order": {...}}
  POST /orders/<id>/confirm  {"paymentKey": "...", "amount": N}   synchronous Toss confirm
       200 {"order": {... "APPROVED"}} | 200 {"order": {... "PENDING"}} (Toss timed out; resolved
       by reading Toss on the next read or confirm) | 422 {"code": "DECLINED", "message", "pg_code",
       "order"} | 422 AMOUNT_MISMATCH | 409 ALREADY_APPROVED (other key) | 502 PG_ERROR
  POST /orders/<id>/refunds  {"amount": N} or {} (the rest)
       202 {"refund": "rf-<hex>", "status": "QUEUED"}  Location: /refunds/<rid>  (same key: same id)
  GET  /refunds/<rid>   200 {"status": "QUEUED"} | {"status": "DONE", "order": {...}}
                        | {"status": "REJECTED", "reason": "EXCEEDS_BALANCE"|"NOT_APPROVED"|
                           "ALREADY_REFUNDED"|"DECLINED: <toss code>"|"PG_ERROR", "order": {...}}
  GET  /orders/<id>     200 {"order": {...}};   unknown ids and paths: 404 {"code": "NOT_FOUND"}

A refund whose Toss cancel timed out stays QUEUED while the worker compares Toss's balanceAmount
with the balance before it, then it turns DONE (Toss did it) or is tried again (Toss did not).

Bugs (--bug, repeatable): ack-before-store, no-idempotency, double-refund, lost-refund,
racy-refund (see BUGS below).
"""
import argparse, base64, http.client, json, queue, random, re, signal, sqlite3, sys  # noqa: E401
import threading, time, traceback, urllib.error, urllib.request, uuid  # noqa: E401
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUGS = {
    "ack-before-store": "every 4th queued create is reported STORED with an order id that is never stored",
    "no-idempotency": "create ignores the Idempotency-Key: every click a new ticket and order",
    "double-refund": "a retried refund key enqueues the job again and the worker calls Toss again",
    "lost-refund": "the worker marks refunds DONE and lowers the balance without calling Toss",
    "racy-refund": "two refund workers, the balance check outside the order lock",
}
PAID_AT_TOSS = ("DONE", "PARTIAL_CANCELED", "CANCELED")
APPROVED_STATES = ("APPROVED", "PARTIAL_REFUNDED", "REFUNDED")


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
    """One lock per key (an idempotency key, an order), made on first use."""

    def __init__(self):
        self._locks, self._guard = {}, threading.Lock()

    def __call__(self, key):
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def err(status, code, message, **extra):
    return status, {"code": code, "message": message, **extra}


def state_for(amount, balance):
    return "REFUNDED" if balance <= 0 else "APPROVED" if balance >= amount else "PARTIAL_REFUNDED"


ROUTES = [("GET", r"/orders/status/([^/]+)", "ticket_status"), ("GET", r"/orders/([^/]+)", "read_order"),
          ("GET", r"/refunds/([^/]+)", "refund_status"), ("POST", r"/orders", "create"),
          ("POST", r"/orders/([^/]+)/confirm", "confirm"), ("POST", r"/orders/([^/]+)/refunds", "refund")]


class AsyncPay:
    def __init__(self, toss, bugs):
        self.toss, self.bugs = toss, bugs
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.dblock = threading.RLock()
        self.locks = KeyLocks()
        self.stored = 0
        self.db.executescript("""
            CREATE TABLE tickets (ticket TEXT PRIMARY KEY, key TEXT UNIQUE, hash TEXT, amount INT, order_id TEXT);
            CREATE TABLE orders (id TEXT PRIMARY KEY, amount INT, state TEXT, balance INT, payment_key TEXT);
            CREATE TABLE refunds (rid TEXT PRIMARY KEY, order_id TEXT, key TEXT UNIQUE, hash TEXT, amount INT,
                                  state TEXT, reason TEXT, applied INT, tries INT DEFAULT 0, seq INTEGER);
            CREATE TABLE answers (key TEXT PRIMARY KEY, hash TEXT, status INT, body TEXT);""")
        self.store_q, self.refund_q = queue.Queue(), queue.Queue()
        workers = [(self.store_q, self.store_job)] + [(self.refund_q, self.refund_job)] * (
            2 if "racy-refund" in bugs else 1)
        for q, job in workers:
            threading.Thread(target=self.work, args=(q, job), daemon=True).start()

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

    def order(self, oid):
        return self.q1("SELECT * FROM orders WHERE id = ?", oid)

    @staticmethod
    def view(o):
        return {"id": o["id"], "amount": o["amount"], "state": o["state"], "balance": o["balance"],
                "paymentKey": o["payment_key"] if o["state"] not in ("CREATED", "FAILED") else None}

    # ---- routing ----
    def handle(self, method, path, headers, raw):
        for verb, pattern, name in ROUTES:
            match = re.fullmatch(pattern, path.rstrip("/"))
            if match and verb == method:
                break
        else:
            return err(404, "NOT_FOUND", f"no route {method} {path}")
        if method == "GET":
            return getattr(self, name)(*match.groups())
        key = headers.get("Idempotency-Key")
        if not key:
            return err(400, "KEY_REQUIRED", "send an Idempotency-Key header")
        try:
            body = json.loads(raw or b"{}")
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return err(400, "BAD_REQUEST", "the body must be a JSON object")
        return getattr(self, name)(*match.groups(), key, path + "|" + json.dumps(body, sort_keys=True), body)

    def work(self, q, job):
        while True:
            item = q.get()
            try:
                job(item)
            except Exception:
                traceback.print_exc()

    @staticmethod
    def later(q, item, delay):
        timer = threading.Timer(delay, q.put, args=(item,))
        timer.daemon = True
        timer.start()

    # ---- orders ----
    def create(self, key, hash_, body):
        amount = body.get("amount")
        if body.get("pg") != "toss":
            return err(400, "UNKNOWN_PG", f"pg {body.get('pg')!r} is not supported")
        if type(amount) is not int or amount <= 0:
            return err(400, "BAD_AMOUNT", "amount must be a positive whole number")
        if "no-idempotency" in self.bugs:
            key = None
        with self.locks(f"create:{key}" if key else uuid.uuid4().hex):
            rec = self.q1("SELECT * FROM tickets WHERE key = ?", key) if key else None
            if rec and rec["hash"] != hash_:
                return err(422, "KEY_REUSED", "this Idempotency-Key was used for another request")
            if rec is None:
                ticket = "t-" + uuid.uuid4().hex[:16]
                self.tx(("INSERT INTO tickets VALUES (?,?,?,?,NULL)", (ticket, key, hash_, amount)))
                self.store_q.put(ticket)
            else:
                ticket = rec["ticket"]
        return 202, {"ticket": ticket, "status": "QUEUED"}, {"Location": f"/orders/status/{ticket}"}

    def store_job(self, ticket):
        time.sleep(random.uniform(0.005, 0.03))
        t = self.q1("SELECT * FROM tickets WHERE ticket = ?", ticket)
        oid = "ord-" + uuid.uuid4().hex[:16]
        with self.dblock:
            self.stored += 1
            lost = "ack-before-store" in self.bugs and self.stored % 4 == 0
        stmts = [("UPDATE tickets SET order_id = ? WHERE ticket = ?", (oid, ticket))]
        if not lost:
            stmts.insert(0, ("INSERT INTO orders VALUES (?,?,'CREATED',0,NULL)", (oid, t["amount"])))
        self.tx(*stmts)

    def ticket_status(self, ticket):
        t = self.q1("SELECT * FROM tickets WHERE ticket = ?", ticket)
        if t is None:
            return err(404, "NOT_FOUND", f"no ticket {ticket}")
        if t["order_id"] is None:
            return 200, {"status": "QUEUED"}
        o = self.order(t["order_id"]) or {"id": t["order_id"], "amount": t["amount"], "state": "CREATED",
                                           "balance": 0, "payment_key": None}  # ack-before-store: never stored
        return 200, {"status": "STORED", "order": self.view(o)}

    def read_order(self, oid):
        o = self.order(oid)
        if o is None:
            return err(404, "NOT_FOUND", f"no order {oid}")
        if o["state"] == "PENDING":
            with self.locks("order:" + oid):
                o = self.resolve(oid) or self.order(oid)
        return 200, {"order": self.view(o)}

    def resolve(self, oid):
        """Asks Toss what became of a confirm in doubt (caller holds the order lock). Returns the
        order as it now stands, or None when Toss cannot be asked."""
        o = self.order(oid)
        if o["state"] in APPROVED_STATES:
            return o
        kind, tp = self.toss.by_order(oid)
        if kind == "ok" and tp.get("status") in PAID_AT_TOSS and tp.get("orderId") == oid:
            state = state_for(o["amount"], tp["balanceAmount"])
            self.tx(("UPDATE orders SET state = ?, balance = ?, payment_key = ? WHERE id = ?",
                     (state, tp["balanceAmount"], tp["paymentKey"], oid)))
        elif kind == "ok" or (kind == "refused" and tp.get("code") == "NOT_FOUND_PAYMENT"):
            if o["state"] == "PENDING":  # Toss never approved it
                self.tx(("UPDATE orders SET state = ? WHERE id = ?",
                         ("FAILED" if tp.get("status") == "ABORTED" else "CREATED", oid)))
        else:
            return None
        return self.order(oid)

    def confirm(self, oid, key, hash_, body):
        pkey, amount = body.get("paymentKey"), body.get("amount")
        if not isinstance(pkey, str) or not pkey or type(amount) is not int:
            return err(400, "BAD_REQUEST", "send {\"paymentKey\": \"...\", \"amount\": N}")
        with self.locks("confirm:" + key):
            rec = self.q1("SELECT * FROM answers WHERE key = ?", key)
            if rec:
                if rec["hash"] != hash_:
                    return err(422, "KEY_REUSED", "this Idempotency-Key was used for another request")
                return rec["status"], json.loads(rec["body"])
            with self.locks("order:" + oid):
                status, answer = self.confirm_locked(oid, pkey, amount)
            if status in (200, 409, 422) and answer.get("order", {}).get("state") != "PENDING":
                self.tx(("INSERT INTO answers VALUES (?,?,?,?)", (key, hash_, status, json.dumps(answer))))
            return status, answer

    def confirm_locked(self, oid, pkey, amount):
        o = self.order(oid)
        if o is None:
            return err(404, "NOT_FOUND", f"no order {oid}")
        if o["payment_key"] is not None and o["state"] not in APPROVED_STATES:
            # An earlier attempt was made: ask Toss before confirming anything again.
            seen = self.resolve(oid)
            if seen is None and o["state"] != "PENDING":
                return err(502, "PG_ERROR", "cannot verify an earlier attempt with Toss; retry", order=self.view(o))
            o = seen or o
            if o["state"] == "PENDING":
                return 200, {"order": self.view(o)}
        if o["state"] in APPROVED_STATES:
            if o["payment_key"] == pkey:
                return 200, {"order": self.view(o)}
            return err(409, "ALREADY_APPROVED", "approved with another paymentKey", order=self.view(o))
        if amount != o["amount"]:
            return err(422, "AMOUNT_MISMATCH", f"amount {amount} differs from the order's {o['amount']}")
        self.tx(("UPDATE orders SET state = 'PENDING', payment_key = ? WHERE id = ?", (pkey, oid)))
        kind, tp = self.toss.confirm(pkey, oid, amount)
        if kind == "ok":
            self.tx(("UPDATE orders SET state = 'APPROVED', balance = ?, payment_key = ? WHERE id = ?",
                     (amount, tp.get("paymentKey", pkey), oid)))
            return 200, {"order": self.view(self.order(oid))}
        if kind == "refused" and tp.get("code") in ("ALREADY_PROCESSED_PAYMENT", "DUPLICATED_ORDER_ID"):
            seen = self.resolve(oid)  # Toss already holds a payment for this order
            if seen is not None and seen["state"] in APPROVED_STATES:
                return self.confirm_locked(oid, pkey, amount)
        if kind in ("refused", "error"):
            self.tx(("UPDATE orders SET state = 'FAILED' WHERE id = ?", (oid,)))
            o = self.view(self.order(oid))
            if kind == "refused":
                return err(422, "DECLINED", tp.get("message", ""), pg_code=tp.get("code"), order=o)
            return err(502, "PG_ERROR", tp.get("message", ""), pg_code=tp.get("code"), order=o)
        return 200, {"order": self.view(self.order(oid))}

    # ---- refunds ----
    def refund(self, oid, key, hash_, body):
        amount = body.get("amount")
        if amount is not None and (type(amount) is not int or amount <= 0):
            return err(400, "BAD_AMOUNT", "amount must be a positive whole number (or absent for the rest)")
        with self.locks("refund:" + key):
            rec = self.q1("SELECT * FROM refunds WHERE key = ?", key)
            if rec and rec["hash"] != hash_:
                return err(422, "KEY_REUSED", "this Idempotency-Key was used for another request")
            if rec:
                rid = rec["rid"]
                if "double-refund" in self.bugs:
                    self.refund_q.put(("refund", rid))
            else:
                if self.order(oid) is None:
                    return err(404, "NOT_FOUND", f"no order {oid}")
                rid = "rf-" + uuid.uuid4().hex[:16]
                with self.dblock:
                    seq = self.q1("SELECT COUNT(*) FROM refunds")[0] + 1
                    self.tx(("INSERT INTO refunds (rid, order_id, key, hash, amount, state, seq) "
                             "VALUES (?,?,?,?,?,'QUEUED',?)", (rid, oid, key, hash_, amount, seq)))
                self.refund_q.put(("refund", rid))
        return 202, {"refund": rid, "status": "QUEUED"}, {"Location": f"/refunds/{rid}"}

    def refund_status(self, rid):
        r = self.q1("SELECT * FROM refunds WHERE rid = ?", rid)
        if r is None:
            return err(404, "NOT_FOUND", f"no refund {rid}")
        if r["state"] not in ("DONE", "REJECTED"):
            return 200, {"status": "QUEUED"}
        answer = {"status": r["state"], "order": self.view(self.order(r["order_id"]))}
        if r["state"] == "REJECTED":
            answer["reason"] = r["reason"]
        return 200, answer

    def refund_job(self, item):
        kind, ident = item
        if kind == "settle":
            with self.locks("order:" + ident):
                if not self.settle(ident):
                    self.later(self.refund_q, item, 0.3)
            return
        r = self.q1("SELECT * FROM refunds WHERE rid = ?", ident)
        if "racy-refund" in self.bugs:
            return self.refund_racy(r)
        with self.locks("order:" + r["order_id"]):
            if not self.settle(r["order_id"]):  # an earlier refund is still in doubt
                return self.later(self.refund_q, item, 0.3)
            r = self.q1("SELECT * FROM refunds WHERE rid = ?", ident)
            again = r["state"] == "DONE" and "double-refund" in self.bugs
            if r["state"] != "QUEUED" and not again:
                return
            o = self.order(r["order_id"])
            reason = self.refusal(o, r)
            if reason:
                return self.finish(r, "REJECTED", reason)
            wanted = o["balance"] if r["amount"] is None else r["amount"]
            tries = r["tries"] + 1
            self.tx(("UPDATE refunds SET applied = ?, tries = ? WHERE rid = ?", (wanted, tries, r["rid"])))
            if "lost-refund" in self.bugs:
                return self.finish(r, "DONE", None, wanted)
            res, tp = self.toss.cancel(o["payment_key"], r["amount"], f"asyncpay-{r['rid']}-{tries}")
            if again:  # double-refund: the refund row is already DONE, so the books do not move again
                return
            if res == "error":  # did Toss carry it out anyway? one look
                seen, sp = self.toss.by_key(o["payment_key"])
                res = ("ok" if seen == "ok" and sp.get("balanceAmount") == o["balance"] - wanted else
                       "error" if seen == "ok" and sp.get("balanceAmount") == o["balance"] else "unknown")
            if res == "ok":
                return self.finish(r, "DONE", None, wanted)
            if res == "refused":
                return self.finish(r, "REJECTED", f"DECLINED: {tp.get('code')}")
            if res == "error":
                return self.finish(r, "REJECTED", "PG_ERROR")
            self.tx(("UPDATE refunds SET state = 'DOUBT' WHERE rid = ?", (r["rid"],)))
            self.later(self.refund_q, ("settle", r["order_id"]), 0.3)

    @staticmethod
    def refusal(o, r):
        if o["state"] not in APPROVED_STATES:
            return "NOT_APPROVED"
        if o["balance"] <= 0:
            return "ALREADY_REFUNDED"
        if r["amount"] is not None and r["amount"] > o["balance"]:
            return "EXCEEDS_BALANCE"
        return None

    def finish(self, r, state, reason, wanted=0):
        """Ends a refund: REJECTED with a reason, or DONE with the balance lowered by `wanted`."""
        refund = ("UPDATE refunds SET state = ?, reason = ? WHERE rid = ?", (state, reason, r["rid"]))
        if state != "DONE":
            return self.tx(refund)
        self.tx(refund, ("UPDATE orders SET balance = balance - ?, state = CASE WHEN balance - ? <= 0 THEN "
                         "'REFUNDED' ELSE 'PARTIAL_REFUNDED' END WHERE id = ?", (wanted, wanted, r["order_id"])))

    def settle(self, oid):
        """Refunds in doubt (their cancel timed out) against Toss's balanceAmount: each one the
        balance shows is DONE, the others are queued again. False when Toss cannot be asked."""
        doubt = self.q("SELECT * FROM refunds WHERE order_id = ? AND state = 'DOUBT' ORDER BY seq", oid)
        if not doubt:
            return True
        o = self.order(oid)
        kind, tp = self.toss.by_key(o["payment_key"])
        if kind != "ok" or not isinstance(tp.get("balanceAmount"), int):
            return False
        left = o["balance"]
        for r in doubt:
            if left - r["applied"] >= tp["balanceAmount"]:
                left -= r["applied"]
                self.finish(r, "DONE", None, r["applied"])
            else:  # Toss did not do it: try again
                self.tx(("UPDATE refunds SET state = 'QUEUED' WHERE rid = ?", (r["rid"],)))
                self.refund_q.put(("refund", r["rid"]))
        return True

    def refund_racy(self, r):
        """racy-refund: the balance is checked outside the order lock, then the refund recorded
        and Toss called; Toss's refusal of an over-refund is ignored."""
        o = self.order(r["order_id"])
        reason = self.refusal(o, r)
        if reason:
            return self.finish(r, "REJECTED", reason)
        wanted = o["balance"] if r["amount"] is None else r["amount"]
        time.sleep(0.02)
        with self.locks("order:" + o["id"]):
            self.finish(r, "DONE", None, wanted)
            self.toss.cancel(o["payment_key"], r["amount"], f"asyncpay-{r['rid']}-1")


class Handler(BaseHTTPRequestHandler):
    protocol_version, app = "HTTP/1.1", None

    def log_message(self, *args):
        pass

    def do_GET(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, body, *extra = self.app.handle(self.command, self.path.split("?")[0], self.headers, raw)
        except Exception as e:  # a bug in this service, not an answer
            traceback.print_exc()
            (status, body), extra = err(500, "INTERNAL", f"{type(e).__name__}: {e}"), []
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra[0] if extra else {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--toss-url", default="http://127.0.0.1:18101")
    ap.add_argument("--toss-secret", default="test_sk_paydrill_toss_4f2a9c")
    ap.add_argument("--pg-timeout", type=float, default=1.0, help="seconds before a Toss call counts as unknown")
    ap.add_argument("--bug", action="append", default=[], choices=sorted(BUGS), metavar="NAME",
                    help="switch on a bug (repeatable): " + ", ".join(sorted(BUGS)))
    args = ap.parse_args()
    app = AsyncPay(Toss(args.toss_url, args.toss_secret, args.pg_timeout), set(args.bug))
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
