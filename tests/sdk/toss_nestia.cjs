// Toss Payments through npm `toss-payments-server-api` (samchon's nestia-generated client)
// against the Toss fake. It approves on the legacy path `POST /v1/payments/{paymentKey}`, takes
// the Authorization header as given, and throws an HttpError carrying the raw body on errors.
const { BASE, SECRET, authorize, check, assert, expectError } = require("./harness.cjs");
const toss = require("toss-payments-server-api").default;

const connection = (secret) => ({
  host: BASE,
  headers: { Authorization: `Basic ${Buffer.from(`${secret}:`).toString("base64")}` },
});
const conn = connection(SECRET);
const payments = toss.functional.v1.payments;
const orderId = `sdk-ns-${Math.random().toString(16).slice(2, 14)}`;
const codeOf = (status, code) => (e) => e && e.status === status && JSON.parse(e.message).code === code;

(async () => {
  const key = await authorize(orderId, 10000);
  await check("changed_amount", () =>
    expectError(() => payments.approve(conn, key, { orderId, amount: 9000 }), "NOT_MATCHES_AMOUNT", codeOf(400, "NOT_MATCHES_AMOUNT")),
  );
  await check("confirm", async () => {
    const p = await payments.approve(conn, key, { orderId, amount: 10000 });
    assert(p.status === "DONE" && p.totalAmount === 10000 && p.balanceAmount === 10000, JSON.stringify(p));
    return `${p.status} ${p.paymentKey}`;
  });
  await check("get", async () => {
    const p = await payments.at(conn, key);
    assert(p.paymentKey === key && p.orderId === orderId && p.status === "DONE", JSON.stringify(p));
    return p.status;
  });
  await check("partial_cancel", async () => {
    const p = await payments.cancel(conn, key, { paymentKey: key, cancelReason: "sdk partial", cancelAmount: 3000 });
    assert(p.status === "PARTIAL_CANCELED" && p.balanceAmount === 7000, JSON.stringify(p));
    return `${p.status} balance ${p.balanceAmount}`;
  });
  await check("over_cancel", () =>
    expectError(
      () => payments.cancel(conn, key, { paymentKey: key, cancelReason: "too much", cancelAmount: 8000 }),
      "NOT_CANCELABLE_AMOUNT",
      codeOf(403, "NOT_CANCELABLE_AMOUNT"),
    ),
  );
  await check("full_cancel", async () => {
    const p = await payments.cancel(conn, key, { paymentKey: key, cancelReason: "sdk full" });
    assert(p.status === "CANCELED" && p.balanceAmount === 0 && p.cancels.length === 2, JSON.stringify(p));
    return p.status;
  });
  await check("wrong_secret", () =>
    expectError(() => payments.at(connection("test_sk_not_the_key"), key), "UNAUTHORIZED_KEY", codeOf(401, "UNAUTHORIZED_KEY")),
  );
  await check("unknown_payment", () =>
    expectError(() => payments.at(conn, "tgen_no_such_payment"), "NOT_FOUND_PAYMENT", codeOf(404, "NOT_FOUND_PAYMENT")),
  );
  await check("unknown_key", () =>
    expectError(
      () => payments.approve(conn, "tgen_nobody_authorised", { orderId: `${orderId}-x`, amount: 500 }),
      "NOT_FOUND_PAYMENT_SESSION",
      codeOf(404, "NOT_FOUND_PAYMENT_SESSION"),
    ),
  );
})();
