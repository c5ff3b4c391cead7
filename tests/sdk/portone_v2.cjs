// PortOne V2's official Node server SDK (npm `@portone/server-sdk`) against the PortOne fake.
// It does not check answers; this driver checks what a merchant's code would read from them.
const { BASE, SECRET, authorize, check, assert, expectError } = require("./harness.cjs");
const { PortOneClient } = require("@portone/server-sdk");

const pay = PortOneClient({ secret: SECRET, baseUrl: BASE }).payment;
const paymentId = `sdk-js-${Math.random().toString(16).slice(2, 14)}`;
const errorOf = (type) => (e) => e && e.data && e.data.type === type;

(async () => {
  const token = await authorize(paymentId, 10000);
  await check("changed_amount", () =>
    expectError(
      () => pay.confirmPayment({ paymentId, paymentToken: token, totalAmount: 9000, currency: "KRW" }),
      "INFORMATION_MISMATCH",
      errorOf("INFORMATION_MISMATCH"),
    ),
  );
  await check("confirm", async () => {
    const s = await pay.confirmPayment({ paymentId, paymentToken: token, totalAmount: 10000, currency: "KRW" });
    assert(typeof s.pgTxId === "string" && typeof s.paidAt === "string", JSON.stringify(s));
    return `pgTxId ${s.pgTxId}`;
  });
  await check("get", async () => {
    const p = await pay.getPayment({ paymentId });
    assert(p.status === "PAID" && p.amount.total === 10000 && p.amount.paid === 10000, JSON.stringify(p.amount));
    return `${p.status} ${p.amount.total}`;
  });
  await check("partial_cancel", async () => {
    const { cancellation } = await pay.cancelPayment({ paymentId, amount: 3000, reason: "sdk partial" });
    assert(cancellation.status === "SUCCEEDED" && cancellation.totalAmount === 3000, JSON.stringify(cancellation));
    const p = await pay.getPayment({ paymentId });
    assert(p.status === "PARTIAL_CANCELLED" && p.amount.cancelled === 3000, JSON.stringify(p.amount));
    return `${cancellation.status} 3000, then ${p.status}`;
  });
  await check("over_cancel", () =>
    expectError(
      () => pay.cancelPayment({ paymentId, amount: 8000, reason: "too much" }),
      "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT",
      errorOf("CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT"),
    ),
  );
  await check("full_cancel", async () => {
    const { cancellation } = await pay.cancelPayment({ paymentId, reason: "sdk full" });
    assert(cancellation.totalAmount === 7000, JSON.stringify(cancellation));
    const p = await pay.getPayment({ paymentId });
    assert(p.status === "CANCELLED" && p.cancellations.length === 2, JSON.stringify(p));
    return `${p.status}, 2 cancellations`;
  });
  await check("wrong_secret", () =>
    expectError(
      () => PortOneClient({ secret: "not-the-secret", baseUrl: BASE }).payment.getPayment({ paymentId }),
      "UNAUTHORIZED",
      errorOf("UNAUTHORIZED"),
    ),
  );
  await check("unknown_payment", () =>
    expectError(() => pay.getPayment({ paymentId: "no-such-payment" }), "PAYMENT_NOT_FOUND", errorOf("PAYMENT_NOT_FOUND")),
  );
  await check("unknown_token", async () => {
    const otherId = `sdk-js-${Math.random().toString(16).slice(2, 14)}`;
    await authorize(otherId, 500);
    return expectError(
      () => pay.confirmPayment({ paymentId: otherId, paymentToken: "forged", totalAmount: 500 }),
      "INVALID_PAYMENT_TOKEN",
      errorOf("INVALID_PAYMENT_TOKEN"),
    );
  });
})();
