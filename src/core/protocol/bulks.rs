//! An array reply of bulk strings borrowed where they lie: how a driver that holds a
//! reply's strings already (the wasm binding, handed them by JS in one piece; the native
//! driver, in the `redis` crate's values) passes them on without a value per string.
//! It stands for the [`Reply`] it reads as ([`Bulks::to_reply`]); the decoders of the hot
//! paths read it in place. RESP3's `[member, score]` rows may come with the scores as
//! doubles a client decoded already (node-redis's numbers, see [`Bulks::scored`]).

use super::reply::Reply;

/// An array of bulk strings (`width` 1), or of equal rows of `width` of them (RESP3's
/// `ZPOPMIN` pairs), or of `[string, double]` rows, borrowed, in order.
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
    /// The second of each `[string, double]` row, where the rows are of those.
    doubles: Option<&'a [f64]>,
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
        Ok(Bulks {
            strings,
            width,
            doubles: None,
        })
    }

    /// `[string, double]` rows: RESP3's `[member, score]` pairs with each score a double
    /// the client decoded (`bytes` cut at `lengths` are the strings, `doubles` the
    /// seconds, in order); an error that says why where the lengths run past the bytes
    /// or the two columns differ in length.
    ///
    /// ```
    /// use redset::core::{Bulks, Reply};
    /// let bulks = Bulks::scored(b"ab", &[1, 1], &[1.5, 2.0]).unwrap();
    /// assert_eq!((bulks.width(), bulks.len()), (2, 4));
    /// assert_eq!(bulks.doubles(), Some(&[1.5, 2.0][..]));
    /// let pair = |m, s| Reply::Array(vec![Reply::bulk(m), Reply::Double(s)]);
    /// assert_eq!(bulks.to_reply(), Reply::Array(vec![pair("a", 1.5), pair("b", 2.0)]));
    /// assert!(Bulks::scored(b"ab", &[1, 1], &[1.5]).is_err());
    /// ```
    pub fn scored(
        bytes: &'a [u8],
        lengths: &[u32],
        doubles: &'a [f64],
    ) -> Result<Self, &'static str> {
        if lengths.len() != doubles.len() {
            return Err("as many doubles as strings in [string, double] rows");
        }
        let strings = Self::new(bytes, lengths, 1)?.strings;
        Ok(Bulks {
            strings,
            width: 2,
            doubles: Some(doubles),
        })
    }

    /// How many values each row holds (1: the array is of strings).
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert_eq!(Bulks::new(b"a1", &[1, 1], 2).unwrap().width(), 2);
    /// ```
    pub fn width(&self) -> usize {
        self.width
    }

    /// How many values there are, rows flattened.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert_eq!(Bulks::new(b"a1", &[1, 1], 2).unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.strings.len() + self.doubles.map_or(0, <[f64]>::len)
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

    /// The strings in order, rows flattened (of `[string, double]` rows, the firsts).
    ///
    /// ```
    /// use redset::core::Bulks;
    /// let bulks = Bulks::new(b"xyz", &[2, 1], 1).unwrap();
    /// assert_eq!(bulks.strings().collect::<Vec<_>>(), [&b"xy"[..], b"z"]);
    /// ```
    pub fn strings(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + '_ {
        self.strings.iter().copied()
    }

    /// The doubles of `[string, double]` rows (see [`scored`](Self::scored)), else
    /// `None`.
    ///
    /// ```
    /// use redset::core::Bulks;
    /// assert_eq!(Bulks::new(b"a1", &[1, 1], 2).unwrap().doubles(), None);
    /// ```
    pub fn doubles(&self) -> Option<&'a [f64]> {
        self.doubles
    }

    /// The [`Reply`] this stands for: an array of bulk strings, or of arrays of them
    /// (`[string, double]` rows: of a bulk string and a RESP3 double).
    ///
    /// ```
    /// use redset::core::{Bulks, Reply};
    /// let bulks = Bulks::new(b"ab", &[1, 1], 1).unwrap();
    /// assert_eq!(bulks.to_reply(), Reply::Array(vec![Reply::bulk("a"), Reply::bulk("b")]));
    /// ```
    pub fn to_reply(&self) -> Reply {
        if let Some(doubles) = self.doubles {
            let rows = self.strings().zip(doubles);
            return Reply::Array(
                rows.map(|(s, &d)| Reply::Array(vec![Reply::bulk(s), Reply::Double(d)]))
                    .collect(),
            );
        }
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
