//! Replies as a driver hands them to the core: one value model for RESP2 and RESP3.
//! Drivers map their client's values onto [`Reply`]; the decoder reads them.

/// A Redis reply, independent of any client library.
///
/// ```
/// use redset::core::Reply;
/// let reply = Reply::error("WRONGTYPE Operation against a key holding the wrong kind of value");
/// assert!(matches!(reply, Reply::Error { ref code, .. } if code == "WRONGTYPE"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// RESP2 null bulk/array, RESP3 null.
    Nil,
    /// An integer.
    Int(i64),
    /// A RESP3 double.
    Double(f64),
    /// A RESP3 boolean.
    Bool(bool),
    /// A bulk string (binary-safe).
    Bulk(Vec<u8>),
    /// A simple string such as `OK`.
    Status(String),
    /// An array, RESP3 set or push.
    Array(Vec<Reply>),
    /// A RESP3 map.
    Map(Vec<(Reply, Reply)>),
    /// A reply of a shape no redset command is answered with (kept for error messages).
    Other(String),
    /// An error reply.
    Error {
        /// The first word of the message (`ERR`, `NOSCRIPT`, `WRONGTYPE`, …).
        code: String,
        /// The whole message.
        message: String,
    },
}

impl Reply {
    /// An error reply from its full text, splitting off the code.
    pub fn error(message: &str) -> Reply {
        let code = message.split_whitespace().next().unwrap_or("ERR");
        Reply::Error {
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    /// A bulk string reply.
    pub fn bulk(bytes: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(bytes.as_ref().to_vec())
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Reply::Nil => "nil",
            Reply::Int(_) => "integer",
            Reply::Double(_) => "double",
            Reply::Bool(_) => "boolean",
            Reply::Bulk(_) => "bulk string",
            Reply::Status(_) => "simple string",
            Reply::Array(_) => "array",
            Reply::Map(_) => "map",
            Reply::Other(_) => "an unsupported reply",
            Reply::Error { .. } => "error",
        }
    }
}
