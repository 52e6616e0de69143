//! Errors out: a core [`Error`] as a JS `Error` whose `name` the JS face maps to its
//! classes, with the fields it carries (`code`, `set`, `tokens` …), and the value user JS
//! threw (a serializer, a scorer) kept as its `cause`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::{BoxError, Error};

/// A core error as a JS `Error` whose `name` the wrapper maps to its classes.
pub(crate) fn js_error(error: Error, cause: Option<JsValue>) -> JsValue {
    let err = named_error(error.class_name(), &error.to_string());
    if let Some(cause) = cause {
        err.set_cause(&cause);
    }
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&err, &key.into(), &value);
    };
    match error {
        Error::Empty {
            set: name,
            position,
        } => {
            set("set", name.into());
            set("position", (position as f64).into());
        }
        Error::Server { code, message } => {
            set("code", code.into());
            set("serverMessage", message.into());
        }
        Error::LockTimeout {
            set: name, lock, ..
        } => {
            set("set", name.into());
            set("lock", lock.into());
        }
        Error::NotReplicated { acked, wanted } => {
            set("acked", (acked as f64).into());
            set("wanted", (wanted as f64).into());
        }
        Error::Unsupported { needs, message, .. } => {
            set("needs", needs.into());
            set("serverMessage", message.into());
        }
        Error::LeaseLost { set: name, tokens } => {
            set("set", name.into());
            let tokens: Array = tokens.iter().map(|&t| JsValue::from(t as f64)).collect();
            set("tokens", tokens.into());
        }
        _ => {}
    }
    err.into()
}

pub(crate) fn named_error(name: &str, message: &str) -> js_sys::Error {
    let err = js_sys::Error::new(message);
    err.set_name(name);
    err
}

/// A value thrown by user JS (a serializer, scorer or `execute`), kept so the
/// operation can reject with it as its `cause`.
#[derive(Clone, Default)]
pub(crate) struct Thrown(Rc<RefCell<Option<JsValue>>>);

impl Thrown {
    pub fn keep(&self, value: JsValue) -> BoxError {
        let message = error_message(&value);
        *self.0.borrow_mut() = Some(value);
        message.into()
    }

    pub fn take(&self) -> Option<JsValue> {
        self.0.borrow_mut().take()
    }
}

/// A `TypeError` for a structured value that serde-wasm-bindgen refused (an options
/// object, dead letters): `what` and serde's message, without the `Error: ` that the
/// error's own text starts with.
pub(crate) fn refused(what: &str, err: serde_wasm_bindgen::Error) -> JsValue {
    let message = error_message(&err.into());
    js_sys::TypeError::new(&format!("{what}: {message}")).into()
}

/// The message of a thrown JS value, for errors that carry it as text.
pub(crate) fn error_message(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(err) => String::from(err.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}
