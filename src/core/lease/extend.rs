//! `extend`: a held lease kept longer.

use std::sync::LazyLock;
use std::time::Duration;

use super::record::Lease;
use super::wire::duration_ms;
use super::Leases;
use crate::core::operation::Operation;
use crate::core::protocol::{Arg, Script};

pub(super) static EXTEND: LazyLock<Script> =
    LazyLock::new(|| script!("lease/extend.lua", &super::INCLUDES));

impl<S> Leases<S> {
    /// See [`SetCore::extend`](crate::core::SetCore::extend).
    pub fn extend<T>(&self, lease: &Lease<T>, by: Duration) -> impl Operation<Output = u64> {
        let lost = self.lost(vec![lease.token]);
        let args = vec![
            lease.member.clone(),
            lease.token.to_string().into_bytes(),
            Arg::from(duration_ms(by)).0,
        ];
        self.call(&EXTEND, args, move |d, reply| match d.count(reply)? {
            0 => Err(lost),
            deadline => Ok(deadline),
        })
    }
}
