//! An array reply of bulk strings borrowed where they lie: how a driver that holds a
//! reply's strings already (the wasm binding, handed them by JS in one piece; the native
//! driver, in the `redis` crate's values) passes them on without a value per string.
//! It stands for the [`Reply`] it reads as ([`Bulks::to_reply`]); the decoders of the hot
//! paths read it in place.

use super::reply::Reply;

/// An array of bulk strings (`width` 1), or of equal rows of `width` of them (RESP3's
/// `ZPOPMIN` pairs), borrowed, in order.
///
/// ```
/// use redset::core::{Bulks, Reply};
/// let bulks = Bulks::new(b"a1b2", &[1, 1, 1, 1], 2).unwrap();
/// assert_eq!(bulks.strings().collect::<Vec<_>>(), [b"a", b"1", b"b", b"2"]);
/// let pair = |m, s| Reply::Array(vec![Reply::bulk(m), Reply::bulk(s)]);
/// assert_eq!(bulks.to_reply(), Reply::Array(vec![pair("a", "1"), pair("b", "2")]));
/// assert!(Bulks::new(b"a", &[2], 1).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Bulks<'a> {
    strings: Vec<&'a [u8]>,
    width: usize,
}

impl<'a> Bulks<'a> {
    /// The strings of `bytes` (their concatenation) cut at `lengths`, in rows of `width`
    /// (0 counts as 1); an error that says why where the lengths run past the bytes or
    /// do not make whole rows.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert_eq!(Bulks::new(b"ab", &[1, 1], 1).unwrap().width(), 1);
    /// assert!(Bulks::new(b"abc", &[1, 1, 1], 2).is_err());
    /// ```
    pub fn new(bytes: &'a [u8], lengths: &[u32], width: u32) -> Result<Self, &'static str> {
        let mut rest = bytes;
        let mut strings = Vec::with_capacity(lengths.len());
        for &length in lengths {
            let Some((string, after)) = rest.split_at_checked(length as usize) else {
                return Err("bulk lengths past the bytes given");
            };
            strings.push(string);
            rest = after;
        }
        Self::from_strings(strings, width)
    }

    /// `strings`, wherever each lies, in rows of `width` (0 counts as 1); an error where
    /// they do not make whole rows.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// let (member, score) = (b"job".to_vec(), b"2".to_vec());
    /// let bulks = Bulks::from_strings(vec![&member[..], &score[..]], 2).unwrap();
    /// assert_eq!(bulks.len(), 2);
    /// assert!(Bulks::from_strings(vec![&member[..]], 2).is_err());
    /// ```
    pub fn from_strings(strings: Vec<&'a [u8]>, width: u32) -> Result<Self, &'static str> {
        let width = (width as usize).max(1);
        if !strings.len().is_multiple_of(width) {
            return Err("bulk rows of uneven width");
        }
        Ok(Bulks { strings, width })
    }

    /// How many strings each row holds (1: the array is of strings).
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert_eq!(Bulks::new(b"a1", &[1, 1], 2).unwrap().width(), 2);
    /// ```
    pub fn width(&self) -> usize {
        self.width
    }

    /// How many strings there are, rows flattened.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert_eq!(Bulks::new(b"a1", &[1, 1], 2).unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether the array is empty.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert!(Bulks::new(b"", &[], 1).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// The strings in order, rows flattened.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// let bulks = Bulks::new(b"xyz", &[2, 1], 1).unwrap();
    /// assert_eq!(bulks.strings().collect::<Vec<_>>(), [&b"xy"[..], b"z"]);
    /// ```
    pub fn strings(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + '_ {
        self.strings.iter().copied()
    }

    /// The [`Reply`] this stands for: an array of bulk strings, or of arrays of them.
    ///
    /// ```
    /// use redset::core::{Bulks, Reply};
    /// let bulks = Bulks::new(b"ab", &[1, 1], 1).unwrap();
    /// assert_eq!(bulks.to_reply(), Reply::Array(vec![Reply::bulk("a"), Reply::bulk("b")]));
    /// ```
    pub fn to_reply(&self) -> Reply {
        let mut strings = self.strings().map(Reply::bulk);
        if self.width == 1 {
            return Reply::Array(strings.collect());
        }
        let rows = (0..self.len() / self.width)
            .map(|_| Reply::Array(strings.by_ref().take(self.width).collect()))
            .collect();
        Reply::Array(rows)
    }
}
