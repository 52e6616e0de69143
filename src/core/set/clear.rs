//! `clear` and `discard`: items removed without being consumed.

use std::sync::LazyLock;

use super::SetCore;
use crate::core::operation::{Call, Exchange, Operation};
use crate::core::protocol::{Command, Decoder, Result, Script};
use crate::core::schema::{CLEAR_KEYS, SET};
use crate::core::serializer::{Dumps, Serializer};

/// Deletes a set and the companion keys it is given, atomically: `clear()`.
pub static CLEAR: LazyLock<Script> = LazyLock::new(|| script!("set/clear.lua"));

impl<S: Serializer> SetCore<S> {
    /// Empties the set: deletes it with its leases, delivery counts and dead letters
    /// (not its fencing-token counter), in one script; true if the set existed. As the
    /// original's `DEL`, it deletes a key of another type too.
    pub fn clear(&self) -> impl Operation<Output = bool> {
        let keys = self.target.keys.list(CLEAR_KEYS);
        Exchange::new(Call::script(&CLEAR, keys, Vec::new()), |reply| {
            Decoder { command: "EVALSHA" }.flag(reply)
        })
    }

    /// `ZREM`: removes the item; true if it was there.
    pub fn discard<Q: ?Sized>(&self, item: &Q) -> Result<impl Operation<Output = bool>>
    where
        S: Dumps<Q>,
    {
        let cmd = Command::new("ZREM")
            .arg(self.target.keys.get(SET))
            .arg(self.member(item)?);
        Ok(Exchange::new(Call::Command(cmd), |reply| {
            Decoder { command: "ZREM" }.flag(reply)
        }))
    }
}
