//! How items become Redis members and back.

use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use super::protocol::BoxError;

/// Turns items into the bytes stored as sorted-set members, and back.
///
/// Both directions may fail: a failed `dumps` rejects the operation before anything is
/// sent; a failed `loads` on a popped item is logged and the item is dropped (see
/// [`SortedSet::pop`](crate::SortedSet::pop)).
///
/// ```
/// use redset::{Serializer, Utf8};
/// let bytes = Utf8.dumps(&"job-1".to_string()).unwrap();
/// assert_eq!(Utf8.loads(&bytes).unwrap(), "job-1");
/// ```
pub trait Serializer {
    /// The item type this serializer handles.
    type Item;
    /// Serializes one item into the member's bytes.
    fn dumps(&self, item: &Self::Item) -> Result<Vec<u8>, BoxError>;
    /// Deserializes a member's bytes into an item.
    fn loads(&self, bytes: &[u8]) -> Result<Self::Item, BoxError>;
}

/// What the methods that take an item accept: the item itself, or for the built-in
/// serializers what it borrows as — `&str` for a [`Utf8`] set of `String`s, `&[u8]`
/// for a [`Bytes`] set — so `set.add("job-1")` works as well as
/// `set.add(&"job-1".to_string())`. Every [`Serializer`] accepts its own item type.
///
/// ```
/// use redset::{Dumps, Utf8};
/// assert_eq!(Utf8.dumps_ref("job-1").unwrap(), b"job-1");
/// assert_eq!(Utf8.dumps_ref(&"job-1".to_string()).unwrap(), b"job-1");
/// ```
pub trait Dumps<Q: ?Sized>: Serializer {
    /// The member's bytes for `item`.
    fn dumps_ref(&self, item: &Q) -> Result<Vec<u8>, BoxError>;
    /// `scorer(item)`; the borrowed forms make the owned item for it.
    fn score_ref(&self, item: &Q, scorer: &dyn Fn(&Self::Item) -> f64) -> f64;
    /// `grouper(item)`, likewise.
    fn group_ref(
        &self,
        item: &Q,
        grouper: &dyn Fn(&Self::Item) -> Option<String>,
    ) -> Option<String>;
}

impl<S: Serializer> Dumps<S::Item> for S {
    fn dumps_ref(&self, item: &S::Item) -> Result<Vec<u8>, BoxError> {
        self.dumps(item)
    }

    fn score_ref(&self, item: &S::Item, scorer: &dyn Fn(&S::Item) -> f64) -> f64 {
        scorer(item)
    }

    fn group_ref(
        &self,
        item: &S::Item,
        grouper: &dyn Fn(&S::Item) -> Option<String>,
    ) -> Option<String> {
        grouper(item)
    }
}

impl Dumps<str> for Utf8 {
    fn dumps_ref(&self, item: &str) -> Result<Vec<u8>, BoxError> {
        Ok(item.as_bytes().to_vec())
    }

    fn score_ref(&self, item: &str, scorer: &dyn Fn(&String) -> f64) -> f64 {
        scorer(&item.to_owned())
    }

    fn group_ref(&self, item: &str, grouper: &dyn Fn(&String) -> Option<String>) -> Option<String> {
        grouper(&item.to_owned())
    }
}

impl Dumps<[u8]> for Bytes {
    fn dumps_ref(&self, item: &[u8]) -> Result<Vec<u8>, BoxError> {
        Ok(item.to_vec())
    }

    fn score_ref(&self, item: &[u8], scorer: &dyn Fn(&Vec<u8>) -> f64) -> f64 {
        scorer(&item.to_vec())
    }

    fn group_ref(
        &self,
        item: &[u8],
        grouper: &dyn Fn(&Vec<u8>) -> Option<String>,
    ) -> Option<String> {
        grouper(&item.to_vec())
    }
}

/// `new`, `Default`, `Clone` and `Debug` for a serializer that is only a type marker
/// (derives would wrongly require `T: Default + Clone + Debug`).
macro_rules! marker_serializer {
    ($name:ident, $doc:literal) => {
        impl<T> $name<T> {
            #[doc = $doc]
            pub fn new() -> Self {
                $name(PhantomData)
            }
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self::new()
            }
        }

        impl<T> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}<{}>", stringify!($name), std::any::type_name::<T>())
            }
        }
    };
}

/// The default: items are UTF-8 `String`s, stored as their bytes (as the original stores `str`).
///
/// ```
/// use redset::{Serializer, Utf8};
/// assert!(Utf8.loads(&[0xff]).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Utf8;

impl Serializer for Utf8 {
    type Item = String;
    fn dumps(&self, item: &String) -> Result<Vec<u8>, BoxError> {
        Ok(item.as_bytes().to_vec())
    }
    fn loads(&self, bytes: &[u8]) -> Result<String, BoxError> {
        Ok(String::from_utf8(bytes.to_vec())?)
    }
}

/// Raw bytes, stored as they are.
///
/// ```
/// use redset::{Bytes, Serializer};
/// assert_eq!(Bytes.loads(&[0, 255]).unwrap(), vec![0, 255]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Bytes;

impl Serializer for Bytes {
    type Item = Vec<u8>;
    fn dumps(&self, item: &Vec<u8>) -> Result<Vec<u8>, BoxError> {
        Ok(item.clone())
    }
    fn loads(&self, bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
        Ok(bytes.to_vec())
    }
}

/// Any serde type as compact JSON: the document's `NamedtupleSerializer`, for Rust structs.
///
/// A struct becomes a JSON object, as `NamedtupleSerializer` writes a namedtuple's
/// `_asdict()`, so both read each other's items.
///
/// ```
/// use redset::{Json, Serializer};
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Task { id: u32, url: String }
/// let json = Json::<Task>::new();
/// let bytes = json.dumps(&Task { id: 1, url: "a".into() }).unwrap();
/// assert_eq!(bytes, br#"{"id":1,"url":"a"}"#);
/// assert_eq!(json.loads(br#"{"id": 1, "url": "a"}"#).unwrap().id, 1);
/// ```
pub struct Json<T>(PhantomData<fn() -> T>);

marker_serializer!(Json, "A JSON serializer for `T`.");

impl<T: serde::Serialize + serde::de::DeserializeOwned> Serializer for Json<T> {
    type Item = T;
    fn dumps(&self, item: &T) -> Result<Vec<u8>, BoxError> {
        Ok(serde_json::to_vec(item)?)
    }
    fn loads(&self, bytes: &[u8]) -> Result<T, BoxError> {
        Ok(serde_json::from_slice(bytes)?)
    }
}

/// Any `Display + FromStr` type, stored as its text (numbers, UUIDs, enums …).
///
/// ```
/// use redset::{Serializer, Text};
/// let ids = Text::<u64>::new();
/// assert_eq!(ids.dumps(&42).unwrap(), b"42");
/// assert_eq!(ids.loads(b"42").unwrap(), 42);
/// assert!(ids.loads(b"x").is_err());
/// ```
pub struct Text<T>(PhantomData<fn() -> T>);

marker_serializer!(Text, "A text serializer for `T`.");

impl<T> Serializer for Text<T>
where
    T: Display + FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    type Item = T;
    fn dumps(&self, item: &T) -> Result<Vec<u8>, BoxError> {
        Ok(item.to_string().into_bytes())
    }
    fn loads(&self, bytes: &[u8]) -> Result<T, BoxError> {
        Ok(std::str::from_utf8(bytes)?.parse()?)
    }
}

/// A serializer from a pair of closures.
///
/// ```
/// use redset::{FnSerializer, Serializer};
/// let upper = FnSerializer::new(
///     |s: &String| Ok(s.to_uppercase().into_bytes()),
///     |b: &[u8]| Ok(String::from_utf8(b.to_vec())?.to_lowercase()),
/// );
/// assert_eq!(upper.dumps(&"ab".to_string()).unwrap(), b"AB");
/// assert_eq!(upper.loads(b"AB").unwrap(), "ab");
/// ```
pub struct FnSerializer<T, D, L> {
    dumps: D,
    loads: L,
    item: PhantomData<fn() -> T>,
}

impl<T, D, L> FnSerializer<T, D, L>
where
    D: Fn(&T) -> Result<Vec<u8>, BoxError>,
    L: Fn(&[u8]) -> Result<T, BoxError>,
{
    /// Pairs a `dumps` and a `loads` closure.
    pub fn new(dumps: D, loads: L) -> Self {
        FnSerializer {
            dumps,
            loads,
            item: PhantomData,
        }
    }
}

impl<T, D: Clone, L: Clone> Clone for FnSerializer<T, D, L> {
    fn clone(&self) -> Self {
        FnSerializer {
            dumps: self.dumps.clone(),
            loads: self.loads.clone(),
            item: PhantomData,
        }
    }
}

impl<T, D, L> std::fmt::Debug for FnSerializer<T, D, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnSerializer")
    }
}

impl<T, D, L> Serializer for FnSerializer<T, D, L>
where
    D: Fn(&T) -> Result<Vec<u8>, BoxError>,
    L: Fn(&[u8]) -> Result<T, BoxError>,
{
    type Item = T;
    fn dumps(&self, item: &T) -> Result<Vec<u8>, BoxError> {
        (self.dumps)(item)
    }
    fn loads(&self, bytes: &[u8]) -> Result<T, BoxError> {
        (self.loads)(bytes)
    }
}
