// PortOne V1 (I'mport) through npm `iamport-rest-client-nodejs` (I'mport's own) against the
// iamport fake: the customer pays in the window (the authorise step); the merchant verifies,
// then cancels. It sends `Bearer <token>` and rejects a non-zero `code` with the raw answer.
const { BASE, SECRET, authorize, check, assert, expectError } = require("./harness.cjs");
const { Iamport, Request } = require("iamport-rest-client-nodejs");

const KEY = process.argv[4];
const imp = new Iamport({ apiKey: KEY, apiSecret: SECRET, baseUrl: BASE });
const order = `sdk-ijs-${Math.random().toString(16).slice(2, 14)}`;
const body = (r) => r.data.response;
const statusOf = (status) => (e) => e && e.response && e.response.status === status;
const refused = (e) => e && e.response && e.response.data && e.response.data.code !== 0;

(async () => {
  const impUid = await authorize(order, 10000);
  await check("verify", async () => {
    const p = body(await Request.Payments.getByImpUid({ imp_uid: impUid }).request(imp));
    assert(p.status === "paid" && p.amount === 10000 && p.merchant_uid === order, JSON.stringify(p));
    return `paid ${p.amount}`;
  });
  await check("by_merchant_uid", async () => {
    const p = body(await Request.Payments.getByMerchantUid({ merchant_uid: order, status: "paid" }).request(imp));
    assert(p.imp_uid === impUid, JSON.stringify(p));
    return p.imp_uid;
  });
  await check("partial_cancel", async () => {
    const cancel = Request.Payments.cancel({ imp_uid: impUid, amount: 3000, checksum: 10000, reason: "sdk partial" });
    const p = body(await cancel.request(imp));
    assert(p.status === "paid" && p.cancel_amount === 3000, JSON.stringify(p));
    return `cancel_amount ${p.cancel_amount}`;
  });
  await check("over_cancel", () =>
    expectError(() => Request.Payments.cancel({ imp_uid: impUid, amount: 8000, reason: "too much" }).request(imp), "refused", refused),
  );
  await check("checksum_mismatch", () =>
    expectError(
      () => Request.Payments.cancel({ imp_uid: impUid, amount: 1000, checksum: 10000, reason: "x" }).request(imp),
      "refused",
      refused,
    ),
  );
  await check("full_cancel", async () => {
    const p = body(await Request.Payments.cancel({ imp_uid: impUid, reason: "sdk full" }).request(imp));
    assert(p.status === "cancelled" && p.cancel_amount === 10000, JSON.stringify(p));
    return p.status;
  });
  await check("wrong_secret", () =>
    expectError(
      () => Request.Payments.getByImpUid({ imp_uid: impUid }).request(new Iamport({ apiKey: KEY, apiSecret: "nope", baseUrl: BASE })),
      "HTTP 401",
      statusOf(401),
    ),
  );
  await check("unknown_payment", () =>
    expectError(() => Request.Payments.getByImpUid({ imp_uid: "imp_000000000000" }).request(imp), "HTTP 404", statusOf(404)),
  );
})();
