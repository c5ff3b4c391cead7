"""PortOne V2's official Python server SDK (PyPI `portone-server-sdk`) against the PortOne fake."""
import uuid

from harness import BASE, SECRET, authorize, check, expect_error
from portone_server_sdk import PortOneClient
from portone_server_sdk import errors
from portone_server_sdk.payment import CancelledPayment, PaidPayment, PartialCancelledPayment

client = PortOneClient(secret=SECRET, base_url=BASE)
pay = client.payment
payment_id = f"sdk-py-{uuid.uuid4().hex[:12]}"
token = authorize(payment_id, 10000)


def changed_amount():
    call = lambda: pay.confirm_payment(payment_id=payment_id, payment_token=token, total_amount=9000, currency="KRW")
    return expect_error(call, errors.InformationMismatchError)


def confirm():
    s = pay.confirm_payment(payment_id=payment_id, payment_token=token, total_amount=10000, currency="KRW")
    assert s.pg_tx_id and s.paid_at, s
    return f"pgTxId {s.pg_tx_id}"


def get():
    p = pay.get_payment(payment_id=payment_id)
    assert isinstance(p, PaidPayment), type(p).__name__
    assert (p.amount.total, p.amount.paid, p.amount.cancelled) == (10000, 10000, 0), p.amount
    return f"{type(p).__name__} {p.amount.total}"


def partial_cancel():
    c = pay.cancel_payment(payment_id=payment_id, amount=3000, reason="sdk partial").cancellation
    assert c.total_amount == 3000, c
    p = pay.get_payment(payment_id=payment_id)
    assert isinstance(p, PartialCancelledPayment), type(p).__name__
    assert p.amount.cancelled == 3000, p.amount
    return f"{type(c).__name__} 3000, then {type(p).__name__}"


def over_cancel():
    call = lambda: pay.cancel_payment(payment_id=payment_id, amount=8000, reason="too much")
    return expect_error(call, errors.CancelAmountExceedsCancellableAmountError)


def full_cancel():
    c = pay.cancel_payment(payment_id=payment_id, reason="sdk full").cancellation
    assert c.total_amount == 7000, c
    p = pay.get_payment(payment_id=payment_id)
    assert isinstance(p, CancelledPayment), type(p).__name__
    assert (p.amount.cancelled, len(p.cancellations)) == (10000, 2), p
    return f"{type(p).__name__}, 2 cancellations"


def wrong_secret():
    other = PortOneClient(secret="not-the-secret", base_url=BASE).payment
    return expect_error(lambda: other.get_payment(payment_id=payment_id), errors.UnauthorizedError)


def unknown_payment():
    return expect_error(lambda: pay.get_payment(payment_id="no-such-payment"), errors.PaymentNotFoundError)


def unknown_token():
    other_id = f"sdk-py-{uuid.uuid4().hex[:12]}"
    authorize(other_id, 500)
    call = lambda: pay.confirm_payment(payment_id=other_id, payment_token="forged", total_amount=500)
    return expect_error(call, errors.InvalidPaymentTokenError)


check("changed_amount", changed_amount)
check("confirm", confirm)
check("get", get)
check("partial_cancel", partial_cancel)
check("over_cancel", over_cancel)
check("full_cancel", full_cancel)
check("wrong_secret", wrong_secret)
check("unknown_payment", unknown_payment)
check("unknown_token", unknown_token)
