//! Serializers for JS items: strings (the default) and JSON handled inside wasm, so a
//! `take(100)` makes no JS call per item for them; any other `{ dumps, loads }` object is
//! called as it is.

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::errors::{error_message, Thrown};
use crate::core::{BoxError, Serializer};

enum Codec {
    /// The default: `String(item)` in, the member as a string out (non-UTF-8 is an error).
    Strings,
    /// `JSON.stringify` / `JSON.parse`, as the wrapper's `JsonSerializer` does.
    Json,
    /// A user's `{ dumps, loads }`.
    Custom {
        object: JsValue,
        dumps: Function,
        loads: Function,
    },
}

/// The JS serializer: `dumps(item)` → string | Uint8Array, `loads(string)` → item.
/// Members that are not UTF-8 are handed to a custom `loads` as a Uint8Array.
pub(crate) struct JsSerializer {
    codec: Codec,
    thrown: Thrown,
}

impl JsSerializer {
    /// `"strings"`, `"json"`, or a `{ dumps, loads }` object.
    pub fn new(spec: JsValue, thrown: Thrown) -> Result<Self, JsValue> {
        let codec = match spec.as_string().as_deref() {
            Some("strings") => Codec::Strings,
            Some("json") => Codec::Json,
            Some(other) => {
                return Err(js_sys::TypeError::new(&format!("unknown serializer {other:?}")).into())
            }
            None => Codec::Custom {
                dumps: method(&spec, "dumps")?,
                loads: method(&spec, "loads")?,
                object: spec,
            },
        };
        Ok(JsSerializer { codec, thrown })
    }

    /// Whether items are the members as strings (the default serializer): then many
    /// can be made at once, as one JS string (see the binding's `itemEnds`).
    pub fn makes_strings(&self) -> bool {
        matches!(self.codec, Codec::Strings)
    }

    fn dumped(&self, out: Result<JsValue, JsValue>) -> Result<Vec<u8>, BoxError> {
        let out = out.map_err(|e| self.thrown.keep(e))?;
        if let Some(text) = out.as_string() {
            Ok(text.into_bytes())
        } else if let Some(bytes) = out.dyn_ref::<Uint8Array>() {
            Ok(bytes.to_vec())
        } else {
            Err("serializer.dumps must return a string or a Uint8Array".into())
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// JS's `String(value)`: what the default serializer stores for a non-string item.
    #[wasm_bindgen(js_name = String)]
    fn string_of(value: &JsValue) -> String;
}

fn method(object: &JsValue, name: &str) -> Result<Function, JsValue> {
    Reflect::get(object, &JsValue::from_str(name))?
        .dyn_into::<Function>()
        .map_err(|_| {
            js_sys::TypeError::new(&format!("serializer.{name} must be a function")).into()
        })
}

impl Serializer for JsSerializer {
    type Item = JsValue;

    fn dumps(&self, item: &JsValue) -> Result<Vec<u8>, BoxError> {
        match &self.codec {
            Codec::Strings => match item.as_string() {
                Some(text) => Ok(text.into_bytes()),
                None => Ok(string_of(item).into_bytes()),
            },
            Codec::Json => match js_sys::JSON::stringify(item) {
                // `JSON.stringify(undefined)` is undefined: not a string, as in JS.
                Ok(text) => self.dumped(Ok(text.into())),
                Err(e) => self.dumped(Err(e)),
            },
            Codec::Custom { object, dumps, .. } => self.dumped(dumps.call1(object, item)),
        }
    }

    fn loads(&self, bytes: &[u8]) -> Result<JsValue, BoxError> {
        let text = std::str::from_utf8(bytes);
        match (&self.codec, text) {
            (Codec::Strings, Ok(text)) => Ok(JsValue::from_str(text)),
            (Codec::Strings | Codec::Json, Err(_)) => Err("member is not valid UTF-8".into()),
            (Codec::Json, Ok(text)) => {
                js_sys::JSON::parse(text).map_err(|e| error_message(&e).into())
            }
            (Codec::Custom { object, loads, .. }, text) => {
                let arg = match text {
                    Ok(text) => JsValue::from_str(text),
                    Err(_) => Uint8Array::from(bytes).into(),
                };
                loads
                    .call1(object, &arg)
                    .map_err(|e| error_message(&e).into())
            }
        }
    }
}
