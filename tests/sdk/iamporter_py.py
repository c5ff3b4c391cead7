"""PortOne V1 (I'mport) through PyPI `iamporter` against the iamport fake: form-encoded
requests, one token fetched when the client is made, `ImpApiError` for refusals."""
import sys
import uuid

from harness import BASE, SECRET, authorize, check, expect_error
from iamporter import Iamporter
from iamporter.errors import ImpApiError, ImpUnAuthorized

KEY = sys.argv[3]
imp = Iamporter(imp_key=KEY, imp_secret=SECRET, imp_url=BASE + "/")
order = f"sdk-ipr-{uuid.uuid4().hex[:12]}"
imp_uid = authorize(order, 10000)


def verify():
    p = imp.find_payment(imp_uid=imp_uid)
    assert (p["status"], p["amount"], p["merchant_uid"]) == ("paid", 10000, order), p
    return f"paid {p['amount']}"


def by_merchant_uid():
    p = imp.find_payment(merchant_uid=order)
    assert p["imp_uid"] == imp_uid, p
    return p["imp_uid"]


def partial_cancel():
    p = imp.cancel_payment(imp_uid=imp_uid, amount=3000, reason="sdk partial")
    assert (p["status"], p["cancel_amount"]) == ("paid", 3000), p
    return f"cancel_amount {p['cancel_amount']}"


def over_cancel():
    return expect_error(lambda: imp.cancel_payment(imp_uid=imp_uid, amount=8000, reason="too much"), ImpApiError)


def invalid_amount():
    # iamporter has no checksum parameter: its refusal path is driven by a cancel of nothing.
    return expect_error(lambda: imp.cancel_payment(imp_uid=imp_uid, amount=0, reason="zero"), ImpApiError)


def full_cancel():
    p = imp.cancel_payment(imp_uid=imp_uid, reason="sdk full")
    assert (p["status"], p["cancel_amount"]) == ("cancelled", 10000), p
    return p["status"]


def wrong_secret():
    return expect_error(lambda: Iamporter(imp_key=KEY, imp_secret="not-the-secret", imp_url=BASE + "/"), ImpUnAuthorized)


def unknown_payment():
    return expect_error(lambda: imp.find_payment(imp_uid="imp_000000000000"), ImpApiError)


check("verify", verify)
check("by_merchant_uid", by_merchant_uid)
check("partial_cancel", partial_cancel)
check("over_cancel", over_cancel)
check("invalid_amount", invalid_amount)
check("full_cancel", full_cancel)
check("wrong_secret", wrong_secret)
check("unknown_payment", unknown_payment)
