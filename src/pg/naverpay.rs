//! Naverpay, client side. (Being written.)

use super::{
    ApproveRequest, CancelRequest, Credentials, HttpCall, HttpReply, PaymentRef, PgCancel, PgError, PgName, PgPayment,
    WireCodec,
};

const PG: PgName = PgName::Naverpay;

pub struct NaverpayCodec;

impl WireCodec for NaverpayCodec {
    fn pg(&self) -> PgName {
        PG
    }
    fn approve(&self, _creds: &Credentials, _pg_payment_id: &str, _req: &ApproveRequest) -> HttpCall {
        HttpCall::post("/unimplemented")
    }
    fn read_approve(&self, _reply: &HttpReply) -> Result<PgPayment, PgError> {
        Err(PgError::unexpected(PG, "not implemented"))
    }
    fn cancel(&self, _creds: &Credentials, _payment: &PaymentRef, _req: &CancelRequest) -> HttpCall {
        HttpCall::post("/unimplemented")
    }
    fn read_cancel(
        &self,
        _payment: &PaymentRef,
        _req: &CancelRequest,
        _reply: &HttpReply,
    ) -> Result<PgCancel, PgError> {
        Err(PgError::unexpected(PG, "not implemented"))
    }
    fn inquire(&self, _creds: &Credentials, _payment: &PaymentRef) -> HttpCall {
        HttpCall::post("/unimplemented")
    }
    fn read_inquire(&self, _reply: &HttpReply) -> Result<PgPayment, PgError> {
        Err(PgError::unexpected(PG, "not implemented"))
    }
}
