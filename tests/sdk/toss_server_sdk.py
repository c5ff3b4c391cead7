"""Toss Payments' Python server SDK (PyPI `tosspayments-python-server-sdk`) against the Toss fake.
Its base URL is a config field (`client.config.api_base`); its import needs toss_import_shim."""
import uuid

from harness import BASE, SECRET, authorize, check, expect_error
from toss_import_shim import load

sdk = load()
from tosspayments_server_sdk.exceptions import APIError, AuthenticationError, PaymentNotFoundError  # noqa: E402
from tosspayments_server_sdk.models.enums import PaymentStatus  # noqa: E402


def client(secret):
    c = sdk.Client(secret_key=secret)
    c.config.api_base = BASE
    return c


toss = client(SECRET)
order_id = f"sdk-py-{uuid.uuid4().hex[:12]}"
key = authorize(order_id, 10000)


def changed_amount():
    return expect_error(lambda: toss.payments.confirm(key, order_id, 9000), APIError, error_code="NOT_MATCHES_AMOUNT")


def confirm():
    p = toss.payments.confirm(key, order_id, 10000)
    assert (p.status, p.total_amount, p.balance_amount) == (PaymentStatus.DONE, 10000, 10000), p
    assert p.approved_at is not None and p.requested_at is not None, p
    return f"{p.status.value} {p.payment_key}"


def get():
    p = toss.payments.retrieve(key)
    by_order = toss.payments.retrieve_by_order_id(order_id)
    assert p.payment_key == by_order.payment_key == key, (p, by_order)
    return f"{p.status.value}, also by orderId"


def partial_cancel():
    p = toss.payments.cancel(key, "sdk partial", cancel_amount=3000)
    assert (p.status, p.balance_amount, len(p.cancels)) == (PaymentStatus.PARTIAL_CANCELED, 7000, 1), p
    return f"{p.status.value} balance {p.balance_amount}"


def over_cancel():
    call = lambda: toss.payments.cancel(key, "too much", cancel_amount=8000)
    return expect_error(call, APIError, error_code="NOT_CANCELABLE_AMOUNT", status_code=403)


def full_cancel():
    p = toss.payments.cancel(key, "sdk full")
    assert (p.status, p.balance_amount, len(p.cancels)) == (PaymentStatus.CANCELED, 0, 2), p
    return f"{p.status.value}, 2 cancels"


def wrong_secret():
    return expect_error(lambda: client("test_sk_not_the_key").payments.retrieve(key), AuthenticationError)


def unknown_payment():
    call = lambda: toss.payments.retrieve("tgen_no_such_payment")
    return expect_error(call, PaymentNotFoundError, error_code="NOT_FOUND_PAYMENT")


def unknown_key():
    call = lambda: toss.payments.confirm("tgen_nobody_authorised", f"sdk-py-{uuid.uuid4().hex[:12]}", 500)
    return expect_error(call, PaymentNotFoundError, error_code="NOT_FOUND_PAYMENT_SESSION")


check("changed_amount", changed_amount)
check("confirm", confirm)
check("get", get)
check("partial_cancel", partial_cancel)
check("over_cancel", over_cancel)
check("full_cancel", full_cancel)
check("wrong_secret", wrong_secret)
check("unknown_payment", unknown_payment)
check("unknown_key", unknown_key)
