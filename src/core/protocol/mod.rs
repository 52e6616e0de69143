//! The base the capabilities build on: commands out, replies in, scripts, errors. It
//! knows no set and no capability.

mod bulks;
mod command;
mod decoder;
mod error;
mod float;
mod include;
mod lasting;
mod parts;
mod reply;
mod script;

pub use bulks::Bulks;
pub(crate) use command::redis_index;
pub use command::{Arg, Command};
pub(crate) use decoder::Decoder;
pub use error::{BoxError, Error, Result};
pub(crate) use float::parse_f64;
pub use lasting::Lasting;
pub use reply::Reply;
pub use script::Script;
