//! The payment gateways paydrill speaks to. [`pg_table!`] lists every PG once — its name, its
//! client codec and its fake's server — and every per-PG list in the crate (this enum, the
//! codecs, the fakes, the shipped mock files) is built from it: a new PG is its files plus one
//! line here.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Hands the table of PGs to `$then!`, one `Variant module "name" Codec Server` per line;
/// `module::Codec` is the PG's codec in `pg/`, `module::Server` its wire server in `fakes/`.
macro_rules! pg_table {
    ($then:ident) => {
        $then! {
            Toss toss "toss" TossCodec TossServer,
            Kakaopay kakaopay "kakaopay" KakaopayCodec KakaopayServer,
            Nicepay nicepay "nicepay" NicepayCodec NicepayServer,
            Kcp kcp "kcp" KcpCodec KcpServer,
            Naverpay naverpay "naverpay" NaverpayCodec NaverpayServer,
            Inicis inicis "inicis" InicisCodec InicisServer,
            Easypay easypay "easypay" EasypayCodec EasypayServer,
            Portone portone "portone" PortoneCodec PortoneServer,
            Iamport iamport "iamport" IamportCodec IamportServer,
            Kakaolegacy kakaolegacy "kakaolegacy" KakaolegacyCodec KakaolegacyServer,
            Bluewalnut bluewalnut "bluewalnut" BluewalnutCodec BluewalnutServer,
            Niceepay niceepay "niceepay" NiceepayCodec NiceepayServer,
            Naverorder naverorder "naverorder" NaverorderCodec NaverorderServer,
        }
    };
}
pub(crate) use pg_table;

macro_rules! declare_pg_names {
    ($($variant:ident $module:ident $name:literal $codec:ident $server:ident,)*) => {
        /// A payment gateway, one wire format each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum PgName {
            $($variant,)*
        }

        impl PgName {
            /// Every PG, in the table's order (the order reports show them in).
            pub const ALL: [PgName; [$($name,)*].len()] = [$(PgName::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(PgName::$variant => $name,)*
                }
            }
        }
    };
}
pg_table!(declare_pg_names);

impl fmt::Display for PgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a PG name that paydrill does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown PG `{0}` (known: {known})", known = PgName::ALL.map(PgName::as_str).join(", "))]
pub struct UnknownPg(pub String);

impl FromStr for PgName {
    type Err = UnknownPg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PgName::ALL.into_iter().find(|pg| pg.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| UnknownPg(s.to_string()))
    }
}
