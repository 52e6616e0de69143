//! The binding driven by a fake `execute` that replays RESP2- and RESP3-shaped
//! replies, as ioredis and node-redis hand them over: no server. Runs in Node under
//! `wasm-bindgen-test-runner`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use super::WasmSet;

/// A fake client: records each command and answers with the next scripted reply; an
/// `Err` reply is thrown (a transport failure).
struct Fake {
    sent: Rc<RefCell<Vec<Vec<String>>>>,
    execute: Function,
    _closure: Closure<dyn FnMut(Array) -> Result<JsValue, JsValue>>,
}

fn fake(replies: Vec<Result<JsValue, JsValue>>) -> Fake {
    let sent: Rc<RefCell<Vec<Vec<String>>>> = Rc::default();
    let log = sent.clone();
    let mut replies = replies.into_iter();
    let closure = Closure::wrap(Box::new(move |args: Array| {
        log.borrow_mut().push(
            args.iter()
                .map(|a| a.as_string().unwrap_or_else(|| "<bytes>".into()))
                .collect(),
        );
        replies.next().unwrap_or(Ok(JsValue::NULL))
    }) as Box<dyn FnMut(Array) -> Result<JsValue, JsValue>>);
    Fake {
        sent,
        execute: closure.as_ref().clone().unchecked_into(),
        _closure: closure,
    }
}

fn js(value: &str) -> JsValue {
    JsValue::from_str(value)
}

fn arr(items: &[JsValue]) -> JsValue {
    items.iter().collect::<Array>().into()
}

fn bytes(value: &str) -> JsValue {
    js_sys::Uint8Array::from(value.as_bytes()).into()
}

fn string_serializer() -> JsValue {
    js_sys::eval("({ dumps: String, loads: (s) => { if (typeof s !== 'string') throw new Error('binary'); return s } })")
        .unwrap()
}

fn silent_logger() -> Function {
    Function::new_no_args("")
}

fn set(kind: &str, fake: &Fake) -> WasmSet {
    WasmSet::new(
        kind,
        "jobs".into(),
        fake.execute.clone(),
        string_serializer(),
        None,
        silent_logger(),
    )
    .unwrap()
}

async fn wait(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

fn prop(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

#[wasm_bindgen_test]
async fn pop_reads_resp2_flat_and_resp3_nested_replies() {
    let resp2 = arr(&[bytes("a"), bytes("1")]);
    let resp3 = arr(&[arr(&[js("b"), JsValue::from(1.5)])]);
    let f = fake(vec![Ok(resp2), Ok(resp3)]);
    let s = set("sorted", &f);
    assert_eq!(wait(s.pop(0.0)).await.unwrap(), js("a"));
    assert_eq!(wait(s.pop(0.0)).await.unwrap(), js("b"));
    assert_eq!(f.sent.borrow()[0], vec!["ZPOPMIN", "jobs", "1"]);
}

#[wasm_bindgen_test]
async fn take_and_peek_score_in_both_protocols() {
    let resp2 = arr(&[bytes("a"), bytes("1"), bytes("b"), bytes("inf")]);
    let resp3 = arr(&[
        arr(&[js("c"), JsValue::from(2)]),
        arr(&[js("d"), JsValue::from(f64::INFINITY)]),
    ]);
    let f = fake(vec![
        Ok(resp2),
        Ok(resp3),
        Ok(arr(&[bytes("a"), bytes("2.5")])),
        Ok(arr(&[arr(&[js("a"), JsValue::from(2.5)])])),
    ]);
    let s = set("sorted", &f);
    let taken: Array = wait(s.take(2.0, 0.0)).await.unwrap().into();
    assert_eq!(taken.to_vec(), vec![js("a"), js("b")]);
    let taken: Array = wait(s.take(2.0, 0.0)).await.unwrap().into();
    assert_eq!(taken.to_vec(), vec![js("c"), js("d")]);
    assert_eq!(wait(s.peek_score(0.0)).await.unwrap(), JsValue::from(2.5));
    assert_eq!(wait(s.peek_score(0.0)).await.unwrap(), JsValue::from(2.5));
    assert_eq!(
        f.sent.borrow()[2],
        vec!["ZRANGE", "jobs", "0", "0", "WITHSCORES"]
    );
}

#[wasm_bindgen_test]
async fn scheduled_pop_falls_back_from_evalsha_to_eval() {
    let noscript: JsValue =
        js_sys::Error::new("NOSCRIPT No matching script. Please use EVAL.").into();
    let f = fake(vec![Ok(noscript), Ok(arr(&[bytes("due")]))]);
    let s = set("scheduled", &f);
    assert_eq!(wait(s.pop(100.0)).await.unwrap(), js("due"));
    let sent = f.sent.borrow();
    assert_eq!(sent[0][0], "EVALSHA");
    assert_eq!(sent[1][0], "EVAL");
    assert_eq!(&sent[1][2..], ["1", "jobs", "100", "1"]);
}

#[wasm_bindgen_test]
async fn empty_pop_rejects_with_a_key_error_naming_the_set() {
    let f = fake(vec![Ok(arr(&[])), Ok(JsValue::NULL)]);
    let s = set("sorted", &f);
    for _ in 0..2 {
        let err = wait(s.pop(0.0)).await.unwrap_err();
        assert_eq!(prop(&err, "name"), js("KeyError"));
        assert_eq!(prop(&err, "set"), js("jobs"));
        assert!(prop(&err, "message").as_string().unwrap().contains("jobs"));
    }
}

#[wasm_bindgen_test]
async fn error_replies_reject_with_the_servers_message() {
    let wrongtype: JsValue =
        js_sys::Error::new("WRONGTYPE Operation against a key holding the wrong kind of value")
            .into();
    let f = fake(vec![Ok(wrongtype)]);
    let s = set("sorted", &f);
    let err = wait(s.len()).await.unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(prop(&err, "name"), js("ReplyError"));
    assert_eq!(prop(&err, "code"), js("WRONGTYPE"));
    assert!(prop(&err, "message")
        .as_string()
        .unwrap()
        .contains("wrong kind of value"));
}

#[wasm_bindgen_test]
async fn a_throwing_execute_rejects_with_its_error_as_cause() {
    let boom: JsValue = js_sys::Error::new("socket closed").into();
    let f = fake(vec![Err(boom.clone())]);
    let s = set("sorted", &f);
    let err = wait(s.len()).await.unwrap_err();
    assert_eq!(prop(&err, "name"), js("ConnectionError"));
    assert_eq!(prop(&err, "cause"), boom);
}

#[wasm_bindgen_test]
async fn a_rejecting_execute_rejects_too_and_plain_values_are_accepted() {
    let rejected = Promise::reject(&js("refused"));
    let f = fake(vec![Ok(rejected.into()), Ok(JsValue::from(3))]);
    let s = set("sorted", &f);
    let err = wait(s.len()).await.unwrap_err();
    assert_eq!(prop(&err, "name"), js("ConnectionError"));
    assert_eq!(prop(&err, "cause"), js("refused"));
    assert_eq!(wait(s.len()).await.unwrap(), JsValue::from(3));
}

#[wasm_bindgen_test]
async fn a_throwing_serializer_rejects_add_and_sends_nothing() {
    let f = fake(vec![]);
    let serializer =
        js_sys::eval("({ dumps() { throw new TypeError('nope') }, loads: (s) => s })").unwrap();
    let s = WasmSet::new(
        "sorted",
        "jobs".into(),
        f.execute.clone(),
        serializer,
        None,
        silent_logger(),
    )
    .unwrap();
    let err = wait(s.add(js("x"), Some(1.0), 0.0)).await.unwrap_err();
    assert_eq!(prop(&err, "name"), js("SerializerError"));
    assert_eq!(prop(&prop(&err, "cause"), "message"), js("nope"));
    assert!(f.sent.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn nan_scores_are_rejected_and_explicit_zero_is_kept() {
    let f = fake(vec![Ok(JsValue::from(1))]);
    let scorer: Function = js_sys::eval("(item) => item.length").unwrap().into();
    let s = WasmSet::new(
        "sorted",
        "jobs".into(),
        f.execute.clone(),
        string_serializer(),
        Some(scorer),
        silent_logger(),
    )
    .unwrap();
    let err = wait(s.add(js("x"), Some(f64::NAN), 0.0)).await.unwrap_err();
    assert_eq!(prop(&err, "name"), js("RangeError"));
    assert!(f.sent.borrow().is_empty());
    assert_eq!(
        wait(s.add(js("abc"), Some(0.0), 0.0)).await.unwrap(),
        JsValue::from(0)
    );
    assert_eq!(f.sent.borrow()[0], vec!["ZADD", "jobs", "0", "abc"]);
}

#[wasm_bindgen_test]
async fn undecodable_items_are_logged_and_become_null() {
    let logged: Rc<RefCell<Vec<String>>> = Rc::default();
    let log = logged.clone();
    let logger = Closure::wrap(Box::new(move |message: String, details: Object| {
        assert_eq!(prop(&details, "set"), js("jobs"));
        log.borrow_mut().push(message);
    }) as Box<dyn FnMut(String, Object)>);
    let binary = js_sys::Uint8Array::from(&[0xffu8, 0xfe][..]);
    let f = fake(vec![
        Ok(arr(&[binary.clone().into(), bytes("0")])),
        Ok(arr(&[binary.into(), bytes("ok")])),
    ]);
    let logger: Function = logger.as_ref().clone().unchecked_into();
    let make = |kind| {
        WasmSet::new(
            kind,
            "jobs".into(),
            f.execute.clone(),
            string_serializer(),
            None,
            logger.clone(),
        )
        .unwrap()
    };
    assert_eq!(wait(make("sorted").pop(0.0)).await.unwrap(), JsValue::NULL);
    let taken: Array = wait(make("scheduled").take(5.0, 0.0)).await.unwrap().into();
    assert_eq!(taken.to_vec(), vec![js("ok")]);
    let logged = logged.borrow();
    assert_eq!(logged.len(), 2);
    assert!(
        logged[0].contains("\"jobs\"") && logged[0].contains("failed to deserialize"),
        "{}",
        logged[0]
    );
}
