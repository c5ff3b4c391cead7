"""Toss Payments through PyPI `python-tosspayments` against the Toss fake. Its base URL is a
private attribute (`_TossPayments__base_url`); it returns the raw dicts and raises its own
private `__HttpError` with the HTTP status and Toss's code."""
import uuid

from harness import BASE, SECRET, authorize, check, expect_error
from tosspayments.main import TossPayments


def client(secret):
    tp = TossPayments(secret)
    tp._TossPayments__base_url = BASE + "/"
    return tp


toss = client(SECRET)
HttpError = TossPayments._TossPayments__HttpError
order_id = f"sdk-tp-{uuid.uuid4().hex[:12]}"
key = authorize(order_id, 10000)


def changed_amount():
    call = lambda: toss.confirm(key, order_id, 9000)
    return expect_error(call, HttpError, code=400, error_type="NOT_MATCHES_AMOUNT")


def confirm():
    p = toss.confirm(key, order_id, 10000, idempotency_key=f"confirm-{order_id}")
    assert (p["status"], p["totalAmount"], p["balanceAmount"]) == ("DONE", 10000, 10000), p
    again = toss.confirm(key, order_id, 10000, idempotency_key=f"confirm-{order_id}")
    assert again == p, "an Idempotency-Key replay answers the first Payment"
    return f"{p['status']} (and its replay)"


def get():
    p = toss.get_payment_by_payment_key(key)
    by_order = toss.get_payment_by_order_id(order_id)
    assert p["paymentKey"] == by_order["paymentKey"] == key, (p, by_order)
    return p["status"]


def partial_cancel():
    p = toss.cancel(key, {"cancelReason": "sdk partial", "cancelAmount": 3000})
    assert (p["status"], p["balanceAmount"]) == ("PARTIAL_CANCELED", 7000), p
    return f"{p['status']} balance {p['balanceAmount']}"


def over_cancel():
    call = lambda: toss.cancel(key, {"cancelReason": "too much", "cancelAmount": 8000})
    return expect_error(call, HttpError, code=403, error_type="NOT_CANCELABLE_AMOUNT")


def full_cancel():
    p = toss.cancel(key, {"cancelReason": "sdk full"})
    assert (p["status"], p["balanceAmount"], len(p["cancels"])) == ("CANCELED", 0, 2), p
    return p["status"]


def wrong_secret():
    call = lambda: client("test_sk_not_the_key").get_payment_by_payment_key(key)
    return expect_error(call, HttpError, code=401, error_type="UNAUTHORIZED_KEY")


def unknown_payment():
    call = lambda: toss.get_payment_by_payment_key("tgen_no_such_payment")
    return expect_error(call, HttpError, code=404, error_type="NOT_FOUND_PAYMENT")


def unknown_key():
    call = lambda: toss.confirm("tgen_nobody_authorised", f"sdk-tp-{uuid.uuid4().hex[:12]}", 500)
    return expect_error(call, HttpError, code=404, error_type="NOT_FOUND_PAYMENT_SESSION")


check("changed_amount", changed_amount)
check("confirm", confirm)
check("get", get)
check("partial_cancel", partial_cancel)
check("over_cancel", over_cancel)
check("full_cancel", full_cancel)
check("wrong_secret", wrong_secret)
check("unknown_payment", unknown_payment)
check("unknown_key", unknown_key)
