//! Reading replies: every shape RESP2 or RESP3 gives for the same command (scores as
//! bulk strings or doubles, `ZPOPMIN` flat or nested, nulls), with errors that name
//! the command.

use super::bulks::Bulks;
use super::error::{Error, Result};
use super::float::parse_f64;
use super::parts::Parts;
use super::reply::Reply;

/// Decodes replies for one command, so errors name it.
pub(crate) struct Decoder<'c> {
    pub command: &'c str,
}

impl Decoder<'_> {
    fn unexpected(&self, wanted: &str, got: &Reply) -> Error {
        Error::protocol(
            self.command,
            format!("expected {wanted}, got {}", got.kind()),
        )
    }

    /// Turns an error reply into [`Error::Server`]; passes anything else on.
    pub fn ok(&self, reply: Reply) -> Result<Reply> {
        match reply {
            Reply::Error { code, message } => Err(Error::from_reply(self.command, code, message)),
            other => Ok(other),
        }
    }

    pub fn integer(&self, reply: Reply) -> Result<i64> {
        match self.ok(reply)? {
            Reply::Int(n) => Ok(n),
            Reply::Bool(b) => Ok(b as i64),
            Reply::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Ok(d as i64),
            Reply::Bulk(b) => {
                parse_text(&b).ok_or_else(|| Error::protocol(self.command, "not an integer"))
            }
            other => Err(self.unexpected("an integer", &other)),
        }
    }

    /// An array of integers.
    pub fn integers(&self, reply: Reply) -> Result<Vec<i64>> {
        match self.ok(reply)? {
            Reply::Array(items) => items.into_iter().map(|i| self.integer(i)).collect(),
            other => Err(self.unexpected("an array of integers", &other)),
        }
    }

    pub fn count(&self, reply: Reply) -> Result<u64> {
        let n = self.integer(reply)?;
        u64::try_from(n).map_err(|_| Error::protocol(self.command, format!("negative count {n}")))
    }

    pub fn flag(&self, reply: Reply) -> Result<bool> {
        Ok(self.count(reply)? > 0)
    }

    pub fn score(&self, reply: Reply) -> Result<f64> {
        let score = match self.ok(reply)? {
            Reply::Double(d) => d,
            Reply::Int(n) => n as f64,
            Reply::Bulk(ref b) => return self.score_text(b),
            Reply::Status(ref s) => return self.score_text(s.as_bytes()),
            other => return Err(self.unexpected("a score", &other)),
        };
        self.not_nan(score)
    }

    /// A score given as text.
    fn score_text(&self, text: &[u8]) -> Result<f64> {
        let score = parse_f64(text.trim_ascii())
            .ok_or_else(|| Error::protocol(self.command, "score is not a number"))?;
        self.not_nan(score)
    }

    fn not_nan(&self, score: f64) -> Result<f64> {
        if score.is_nan() {
            return Err(Error::protocol(self.command, "score is NaN"));
        }
        Ok(score)
    }

    pub fn optional_score(&self, reply: Reply) -> Result<Option<f64>> {
        match self.ok(reply)? {
            Reply::Nil => Ok(None),
            other => self.score(other).map(Some),
        }
    }

    pub fn member(&self, reply: Reply) -> Result<Vec<u8>> {
        match self.ok(reply)? {
            Reply::Bulk(b) => Ok(b),
            Reply::Status(s) => Ok(s.into_bytes()),
            other => Err(self.unexpected("a member", &other)),
        }
    }

    /// An array; `Nil` counts as an empty one (RESP2 null array).
    pub fn array(&self, reply: Reply) -> Result<Vec<Reply>> {
        match self.ok(reply)? {
            Reply::Array(items) => Ok(items),
            Reply::Nil => Ok(Vec::new()),
            other => Err(self.unexpected("an array", &other)),
        }
    }

    /// An array of exactly `len` parts, to take in turn; `what` names the reply in the
    /// error for any other length.
    pub fn parts(&self, reply: Reply, len: usize, what: &str) -> Result<Parts> {
        let parts = self.array(reply)?;
        if parts.len() != len {
            return Err(Error::protocol(
                self.command,
                format!("{what} has {} parts, not {len}", parts.len()),
            ));
        }
        Ok(Parts::new(parts))
    }

    pub fn members(&self, reply: Reply) -> Result<Vec<Vec<u8>>> {
        self.array(reply)?
            .into_iter()
            .map(|item| self.member(item))
            .collect()
    }

    /// [`members`](Self::members) of an array given as [`Bulks`], read in place.
    pub fn member_slices<'a>(&self, bulks: &Bulks<'a>) -> Result<Vec<&'a [u8]>> {
        if bulks.width() != 1 && !bulks.is_empty() {
            // Its rows are arrays: refused as `members` refuses an array item.
            return Err(self.unexpected("a member", &Reply::Array(Vec::new())));
        }
        Ok(bulks.strings().collect())
    }

    /// [`pair_members`](Self::pair_members) of an array given as [`Bulks`] (RESP2's flat
    /// list or RESP3's rows, the scores as text or as doubles), read in place: each score
    /// checked, not converted.
    pub fn pair_member_slices<'a>(&self, bulks: &Bulks<'a>) -> Result<Vec<&'a [u8]>> {
        if let Some(doubles) = bulks.doubles() {
            for &score in doubles {
                self.not_nan(score)?;
            }
            return Ok(bulks.strings().collect());
        }
        match bulks.width() {
            1 if !bulks.len().is_multiple_of(2) => Err(Error::protocol(
                self.command,
                format!(
                    "odd number of items ({}) in a member/score list",
                    bulks.len()
                ),
            )),
            1 | 2 => {
                let mut members = Vec::with_capacity(bulks.len() / 2);
                let mut strings = bulks.strings();
                while let (Some(member), Some(score)) = (strings.next(), strings.next()) {
                    self.check_score_text(score)?;
                    members.push(member);
                }
                Ok(members)
            }
            width => Err(Error::protocol(
                self.command,
                format!("expected a [member, score] pair, got {width} items"),
            )),
        }
    }

    /// Member/score pairs: RESP2's flat `[m, s, m, s]`, RESP3's `[[m, s], …]`, a single
    /// RESP3 pair `[m, s]` (ZPOPMIN without COUNT), or a RESP3 map.
    pub fn pairs(&self, reply: Reply) -> Result<Vec<(Vec<u8>, f64)>> {
        let scored = self.scored(reply)?;
        let mut pairs = Vec::with_capacity(scored.len());
        for (member, score) in scored {
            pairs.push((member, self.score(score)?));
        }
        Ok(pairs)
    }

    /// The members of [`pairs`](Self::pairs), each score checked as `pairs` checks it
    /// but not converted: a pop's or a take's reply, whose scores go unused.
    pub fn pair_members(&self, reply: Reply) -> Result<Vec<Vec<u8>>> {
        let scored = self.scored(reply)?;
        let mut members = Vec::with_capacity(scored.len());
        for (member, score) in scored {
            match score {
                Reply::Bulk(text) => self.check_score_text(&text)?,
                other => drop(self.score(other)?),
            }
            members.push(member);
        }
        Ok(members)
    }

    /// [`score_text`](Self::score_text)'s check alone: text that always reads as a number
    /// is not converted (the float parser was a tenth of a take's decoding, and most
    /// scores are such text); anything else is read in full.
    fn check_score_text(&self, text: &[u8]) -> Result<()> {
        if is_plain_decimal(text.trim_ascii()) {
            return Ok(());
        }
        self.score_text(text).map(drop)
    }

    /// The members of any shape [`pairs`](Self::pairs) reads, each with its score
    /// unread: the shapes in one place for both readers, whatever they make of a score.
    fn scored(&self, reply: Reply) -> Result<Vec<(Vec<u8>, Reply)>> {
        let items = match self.ok(reply)? {
            Reply::Map(map) => {
                let mut scored = Vec::with_capacity(map.len());
                for (member, score) in map {
                    scored.push((self.member(member)?, score));
                }
                return Ok(scored);
            }
            other => self.array(other)?,
        };
        let mut scored = Vec::with_capacity(items.len());
        if items.iter().all(|item| matches!(item, Reply::Array(_))) {
            for pair in items {
                match <[Reply; 2]>::try_from(self.array(pair)?) {
                    Ok([member, score]) => scored.push((self.member(member)?, score)),
                    Err(other) => {
                        return Err(Error::protocol(
                            self.command,
                            format!("expected a [member, score] pair, got {} items", other.len()),
                        ))
                    }
                }
            }
        } else if items.len() % 2 == 0 {
            let mut iter = items.into_iter();
            while let (Some(member), Some(score)) = (iter.next(), iter.next()) {
                scored.push((self.member(member)?, score));
            }
        } else {
            return Err(Error::protocol(
                self.command,
                format!(
                    "odd number of items ({}) in a member/score list",
                    items.len()
                ),
            ));
        }
        Ok(scored)
    }
}

/// Whether `text` is `[+-]digits[.digits]`, a digit at least on one side of the point:
/// text that `f64`'s parser always reads as a number, never NaN (inf where it overflows).
fn is_plain_decimal(text: &[u8]) -> bool {
    let unsigned = match text {
        [b'+' | b'-', rest @ ..] => rest,
        _ => text,
    };
    let (mut digits, mut points) = (0, 0);
    for &byte in unsigned {
        match byte {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

// Redis pads nothing with Unicode spaces: an ASCII trim is enough, and cheaper.
fn parse_text<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes.trim_ascii()).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Decoder<'static> = Decoder { command: "TEST" };

    #[test]
    fn scores_in_every_shape() {
        assert_eq!(D.score(Reply::bulk("1.5")).unwrap(), 1.5);
        assert_eq!(D.score(Reply::bulk("inf")).unwrap(), f64::INFINITY);
        assert_eq!(D.score(Reply::bulk("-inf")).unwrap(), f64::NEG_INFINITY);
        assert_eq!(D.score(Reply::Double(-2.25)).unwrap(), -2.25);
        assert_eq!(D.score(Reply::Int(3)).unwrap(), 3.0);
        assert!(matches!(
            D.score(Reply::bulk("nan")),
            Err(Error::Protocol { .. })
        ));
        assert!(matches!(
            D.score(Reply::bulk("x")),
            Err(Error::Protocol { .. })
        ));
        assert!(matches!(D.score(Reply::Nil), Err(Error::Protocol { .. })));
        assert_eq!(D.optional_score(Reply::Nil).unwrap(), None);
    }

    #[test]
    fn pairs_flat_nested_single_and_map() {
        let flat = Reply::Array(vec![
            Reply::bulk("a"),
            Reply::bulk("1"),
            Reply::bulk("b"),
            Reply::bulk("2"),
        ]);
        let nested = Reply::Array(vec![
            Reply::Array(vec![Reply::bulk("a"), Reply::Double(1.0)]),
            Reply::Array(vec![Reply::bulk("b"), Reply::Double(2.0)]),
        ]);
        let expected = vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.0)];
        assert_eq!(D.pairs(flat).unwrap(), expected);
        assert_eq!(D.pairs(nested).unwrap(), expected);
        let map = Reply::Map(vec![(Reply::bulk("a"), Reply::Double(1.0))]);
        assert_eq!(D.pairs(map).unwrap(), vec![(b"a".to_vec(), 1.0)]);
        assert_eq!(D.pairs(Reply::Array(vec![])).unwrap(), vec![]);
        assert_eq!(D.pairs(Reply::Nil).unwrap(), vec![]);
    }

    #[test]
    fn malformed_pairs_are_protocol_errors() {
        let odd = Reply::Array(vec![Reply::bulk("a")]);
        assert!(matches!(D.pairs(odd), Err(Error::Protocol { .. })));
        let triple = Reply::Array(vec![Reply::Array(vec![Reply::bulk("a"); 3])]);
        assert!(matches!(D.pairs(triple), Err(Error::Protocol { .. })));
        assert!(matches!(
            D.pairs(Reply::Int(1)),
            Err(Error::Protocol { .. })
        ));
    }

    #[test]
    fn pair_members_are_the_members_of_pairs_with_the_same_checks() {
        let pair = |m: &str, s: Reply| Reply::Array(vec![Reply::bulk(m), s]);
        let good = [
            Reply::Array(vec![Reply::bulk("a"), Reply::bulk("1.5")]),
            Reply::Array(vec![
                pair("a", Reply::bulk("-3")),
                pair("b", Reply::bulk("inf")),
            ]),
            Reply::Array(vec![pair("a", Reply::Double(1.0))]),
            Reply::Map(vec![(Reply::bulk("a"), Reply::bulk(" 2e3 "))]),
            Reply::Nil,
        ];
        for reply in good {
            let members: Vec<_> = D
                .pairs(reply.clone())
                .unwrap()
                .into_iter()
                .map(|(m, _)| m)
                .collect();
            assert_eq!(D.pair_members(reply).unwrap(), members);
        }
        let bad = [
            Reply::Array(vec![Reply::bulk("a"), Reply::bulk("nan")]),
            Reply::Array(vec![Reply::bulk("a"), Reply::bulk("1.2.3")]),
            Reply::Array(vec![Reply::bulk("a"), Reply::bulk("")]),
            Reply::Array(vec![pair("a", Reply::Double(f64::NAN))]),
            Reply::Array(vec![pair("a", Reply::error("ERR no"))]),
            Reply::Array(vec![Reply::bulk("a")]),
        ];
        for reply in bad {
            assert!(D.pairs(reply.clone()).is_err(), "{reply:?}");
            assert!(D.pair_members(reply).is_err());
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// A score checked without reading its value passes and fails as a full read.
        #[test]
        fn a_checked_score_is_a_readable_one(text in "[ +\\-0-9.eEinfa]{0,12}") {
            let checked = D.check_score_text(text.as_bytes()).is_ok();
            proptest::prop_assert_eq!(checked, D.score_text(text.as_bytes()).is_ok());
            if is_plain_decimal(text.as_bytes()) {
                proptest::prop_assert!(text.parse::<f64>().is_ok_and(|v| !v.is_nan()));
            }
        }
    }

    #[test]
    fn bulks_read_in_place_as_their_reply_reads() {
        let flat = Bulks::new(b"a1b2", &[1, 1, 1, 1], 1).unwrap();
        let rows = Bulks::new(b"a1b2", &[1, 1, 1, 1], 2).unwrap();
        let scored = Bulks::scored(b"ab", &[1, 1], &[1.0, 2.0]).unwrap();
        for bulks in [&flat, &rows, &scored] {
            assert_eq!(D.pair_member_slices(bulks).unwrap(), [b"a", b"b"]);
            let from_reply: Vec<_> = D.pairs(bulks.to_reply()).unwrap();
            assert_eq!(from_reply.len(), 2);
        }
        assert_eq!(D.member_slices(&flat).unwrap(), [b"a", b"1", b"b", b"2"]);
        for rows in [&rows, &scored] {
            assert!(matches!(D.member_slices(rows), Err(Error::Protocol { .. })));
        }
        let odd = Bulks::new(b"a1b", &[1, 1, 1], 1).unwrap();
        let triples = Bulks::new(b"a1x", &[1, 1, 1], 3).unwrap();
        let nan = Bulks::new(b"anan", &[1, 3], 2).unwrap();
        let word = Bulks::new(b"ax", &[1, 1], 1).unwrap();
        let nan_double = Bulks::scored(b"a", &[1], &[f64::NAN]).unwrap();
        for bad in [odd, triples, nan, word, nan_double] {
            assert!(matches!(
                D.pair_member_slices(&bad),
                Err(Error::Protocol { .. })
            ));
            assert!(D.pairs(bad.to_reply()).is_err());
        }
        let empty = Bulks::new(b"", &[], 1).unwrap();
        assert!(D.pair_member_slices(&empty).unwrap().is_empty());
    }

    #[test]
    fn error_replies_become_server_errors() {
        let err = D
            .integer(Reply::error("WRONGTYPE Operation against a key"))
            .unwrap_err();
        assert_eq!(err.server_code(), Some("WRONGTYPE"));
        assert!(err.to_string().contains("Operation against a key"));
    }

    #[test]
    fn integers_and_counts() {
        assert_eq!(D.integer(Reply::Int(7)).unwrap(), 7);
        assert_eq!(D.integer(Reply::bulk("7")).unwrap(), 7);
        assert_eq!(D.integer(Reply::Double(7.0)).unwrap(), 7);
        assert!(D.flag(Reply::Bool(true)).unwrap());
        assert!(matches!(
            D.count(Reply::Int(-1)),
            Err(Error::Protocol { .. })
        ));
        assert!(matches!(
            D.integer(Reply::Double(0.5)),
            Err(Error::Protocol { .. })
        ));
    }
}
