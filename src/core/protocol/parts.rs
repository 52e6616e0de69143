//! The fields of an array reply of a fixed length (a script's answer of several parts),
//! taken in turn.

use super::reply::Reply;

/// The parts of an array reply, each taken once, in order (see `Decoder::parts`). A
/// decoder that fails part way drops what is left in one place: destructured into
/// named parts instead, each way out dropped the rest apart, which made the stats
/// decoder alone 4.9 KB of the wasm module (issue 20's size target).
pub(crate) struct Parts(std::vec::IntoIter<Reply>);

impl Parts {
    pub(crate) fn new(parts: Vec<Reply>) -> Self {
        Parts(parts.into_iter())
    }

    /// The next part: `Nil` past the end (the decoder checked the length).
    pub(crate) fn next(&mut self) -> Reply {
        self.0.next().unwrap_or(Reply::Nil)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_in_order_then_nil() {
        let mut parts = Parts::new(vec![Reply::Int(1), Reply::bulk("a")]);
        assert_eq!(parts.next(), Reply::Int(1));
        assert_eq!(parts.next(), Reply::bulk("a"));
        assert_eq!(parts.next(), Reply::Nil);
    }
}
