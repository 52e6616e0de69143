//! An array reply of bulk strings held as one run of bytes and the length of each: how a
//! driver that gets a reply's strings in one piece (the wasm binding, handed them by JS
//! in one copy) passes them on without a value per string. It stands for the [`Reply`]
//! it reads as ([`Bulks::to_reply`]); the decoders of the hot paths read it in place.

use super::reply::Reply;

/// An array of bulk strings (`width` 1), or of equal rows of `width` of them (RESP3's
/// `ZPOPMIN` pairs), borrowed: `bytes` is their concatenation, `lengths` the length of
/// each in order.
///
/// ```
/// use redset::core::{Bulks, Reply};
/// let bulks = Bulks::new(b"a1b2", &[1, 1, 1, 1], 2).unwrap();
/// assert_eq!(bulks.strings().collect::<Vec<_>>(), [b"a", b"1", b"b", b"2"]);
/// let pair = |m, s| Reply::Array(vec![Reply::bulk(m), Reply::bulk(s)]);
/// assert_eq!(bulks.to_reply(), Reply::Array(vec![pair("a", "1"), pair("b", "2")]));
/// assert!(Bulks::new(b"a", &[2], 1).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Bulks<'a> {
    bytes: &'a [u8],
    lengths: &'a [u32],
    width: usize,
}

impl<'a> Bulks<'a> {
    /// The strings of `bytes` cut at `lengths`, in rows of `width` (0 counts as 1); an
    /// error that says why where the lengths run past the bytes or do not make whole
    /// rows.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert_eq!(Bulks::new(b"ab", &[1, 1], 1).unwrap().width(), 1);
    /// assert!(Bulks::new(b"abc", &[1, 1, 1], 2).is_err());
    /// ```
    pub fn new(bytes: &'a [u8], lengths: &'a [u32], width: u32) -> Result<Self, &'static str> {
        let width = (width as usize).max(1);
        let total = lengths
            .iter()
            .try_fold(0usize, |sum, &len| sum.checked_add(len as usize));
        if total.is_none_or(|total| total > bytes.len()) {
            return Err("bulk lengths past the bytes given");
        }
        if !lengths.len().is_multiple_of(width) {
            return Err("bulk rows of uneven width");
        }
        Ok(Bulks {
            bytes,
            lengths,
            width,
        })
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
        self.lengths.len()
    }

    /// Whether the array is empty.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert!(Bulks::new(b"", &[], 1).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The strings in order, rows flattened.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// let bulks = Bulks::new(b"xyz", &[2, 1], 1).unwrap();
    /// assert_eq!(bulks.strings().collect::<Vec<_>>(), [&b"xy"[..], b"z"]);
    /// ```
    pub fn strings(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let bytes = self.bytes;
        let mut at = 0usize;
        self.lengths.iter().map(move |&len| {
            let string = &bytes[at..at + len as usize];
            at += len as usize;
            string
        })
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
