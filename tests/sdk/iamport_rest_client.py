"""PortOne V1 (I'mport) through PyPI `iamport-rest-client` against the iamport fake. The
payment completes in the customer's window (the authorise step); the merchant verifies it with
`find` / `is_paid`, then cancels. The client fetches a token before every call."""
import uuid

from harness import BASE, SECRET, authorize, check, expect_error
import sys
from iamport import Iamport

KEY = sys.argv[3]
imp = Iamport(imp_key=KEY, imp_secret=SECRET, imp_url=BASE + "/")
order = f"sdk-imp-{uuid.uuid4().hex[:12]}"
imp_uid = authorize(order, 10000)


def verify():
    p = imp.find(imp_uid=imp_uid)
    assert (p["status"], p["amount"], p["merchant_uid"]) == ("paid", 10000, order), p
    assert imp.is_paid(10000, imp_uid=imp_uid) and not imp.is_paid(9000, imp_uid=imp_uid)
    return f"paid {p['amount']}, is_paid checks the amount"


def by_merchant_uid():
    p = imp.find(merchant_uid=order)
    assert p["imp_uid"] == imp_uid, p
    return p["imp_uid"]


def partial_cancel():
    p = imp.cancel("sdk partial", imp_uid=imp_uid, amount=3000, checksum=10000)
    assert (p["status"], p["cancel_amount"], len(p["cancel_history"])) == ("paid", 3000, 1), p
    return f"cancel_amount {p['cancel_amount']}"


def over_cancel():
    call = lambda: imp.cancel("too much", imp_uid=imp_uid, amount=8000)
    return expect_error(call, Iamport.ResponseError)


def checksum_mismatch():
    call = lambda: imp.cancel("wrong checksum", imp_uid=imp_uid, amount=1000, checksum=10000)
    return expect_error(call, Iamport.ResponseError)


def full_cancel():
    p = imp.cancel("sdk full", imp_uid=imp_uid)
    assert (p["status"], p["cancel_amount"], len(p["cancel_history"])) == ("cancelled", 10000, 2), p
    return p["status"]


def wrong_secret():
    other = Iamport(imp_key=KEY, imp_secret="not-the-secret", imp_url=BASE + "/")
    return expect_error(lambda: other.find(imp_uid=imp_uid), Iamport.HttpError, code=401)


def unknown_payment():
    return expect_error(lambda: imp.find(imp_uid="imp_000000000000"), Iamport.HttpError, code=404)


check("verify", verify)
check("by_merchant_uid", by_merchant_uid)
check("partial_cancel", partial_cancel)
check("over_cancel", over_cancel)
check("checksum_mismatch", checksum_mismatch)
check("full_cancel", full_cancel)
check("wrong_secret", wrong_secret)
check("unknown_payment", unknown_payment)
