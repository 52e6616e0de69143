//! The binding's operations driven with replies shaped as ioredis and node-redis hand
//! them over (RESP2 Buffers/strings, RESP3 nested arrays and numbers, `Error`s for
//! error replies): no server. Runs in Node under `wasm-bindgen-test-runner`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

use super::prepared::{FIXED, ITEM_AT, KEEPS_SCORES, READ};
use super::WasmSet;

/// The slot the tests run their operations in.
const ID: u32 = 7;

/// Drives the operation in slot [`ID`] of `set` as the JS wrapper does, from its first
/// step, answering with `replies` in order; returns the commands sent and the output
/// (or what was thrown).
fn drive(
    set: &WasmSet,
    first: Result<JsValue, JsValue>,
    replies: Vec<JsValue>,
) -> (Vec<Vec<String>>, Result<JsValue, JsValue>) {
    let mut sent = Vec::new();
    let mut replies = replies.into_iter();
    let mut next = first;
    loop {
        let mark = match &next {
            Ok(step) if step.is_object() => Reflect::get(step, &marker()).unwrap(),
            _ => JsValue::UNDEFINED,
        };
        match next {
            Ok(output) if mark.is_undefined() => return (sent, Ok(output)),
            Ok(_) if mark.as_string().as_deref() == Some("now") => {
                sent.push(vec!["now".into()]);
                next = set.resume(ID, 1.0e9);
            }
            Ok(_) if mark.as_f64().is_some() => {
                sent.push(vec![format!("sleep {}", mark.as_f64().unwrap())]);
                next = set.resume(ID, 1.0e9);
            }
            // A pipeline's commands are listed one by one and answered with one reply.
            Ok(cmds) if mark.as_string().as_deref() == Some("pipeline") => {
                sent.extend(Array::from(&cmds).iter().map(|cmd| strings(&cmd.into())));
                next = set.feed(ID, replies.next().unwrap_or(JsValue::NULL));
            }
            Ok(args) => {
                sent.push(strings(&args.into()));
                next = set.feed(ID, replies.next().unwrap_or(JsValue::NULL));
            }
            Err(thrown) => return (sent, Err(thrown)),
        }
    }
}

/// A command's arguments as text (`<bytes>` for what is not a string).
fn strings(args: &Array) -> Vec<String> {
    args.iter()
        .map(|a| a.as_string().unwrap_or_else(|| "<bytes>".into()))
        .collect()
}

/// The symbol that marks steps apart from results, as the wrapper passes it.
fn marker() -> JsValue {
    js_sys::Symbol::for_("redset test step").into()
}

fn n(value: f64) -> JsValue {
    JsValue::from(value)
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

fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

fn string_serializer() -> JsValue {
    js_sys::eval("({ dumps: String, loads: (s) => { if (typeof s !== 'string') throw new Error('binary'); return s } })")
        .unwrap()
}

/// A set named "jobs", with a logger that ignores what it is told.
fn build(
    kind: &str,
    serializer: JsValue,
    scorer: Option<Function>,
    options: JsValue,
) -> Result<WasmSet, JsValue> {
    let scorer = scorer.map_or(JsValue::UNDEFINED, JsValue::from);
    WasmSet::new(
        kind,
        &js("jobs"),
        serializer,
        &scorer,
        &Function::new_no_args("").into(),
        options,
        marker(),
    )
}

fn set(kind: &str) -> WasmSet {
    build(kind, string_serializer(), None, JsValue::UNDEFINED).unwrap()
}

fn prop(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

#[wasm_bindgen_test]
fn pop_reads_resp2_flat_and_resp3_nested_replies() {
    let s = set("sorted");
    let (sent, out) = drive(&s, s.pop(ID, 0.0), vec![arr(&[bytes("a"), bytes("1")])]);
    assert_eq!(out.unwrap(), js("a"));
    assert_eq!(sent, vec![vec!["ZPOPMIN", "jobs", "1"]]);
    let (_, out) = drive(
        &s,
        s.pop(ID, 0.0),
        vec![arr(&[arr(&[js("b"), JsValue::from(1.5)])])],
    );
    assert_eq!(out.unwrap(), js("b"));
}

#[wasm_bindgen_test]
fn take_and_peek_score_in_both_protocols() {
    let s = set("sorted");
    let resp2 = arr(&[bytes("a"), bytes("1"), bytes("b"), bytes("inf")]);
    let resp3 = arr(&[
        arr(&[js("c"), JsValue::from(2)]),
        arr(&[js("d"), JsValue::from(f64::INFINITY)]),
    ]);
    let taken: Array = drive(&s, s.take(ID, &n(2.0), 0.0), vec![resp2])
        .1
        .unwrap()
        .into();
    assert_eq!(taken.to_vec(), vec![js("a"), js("b")]);
    let taken: Array = drive(&s, s.take(ID, &n(2.0), 0.0), vec![resp3])
        .1
        .unwrap()
        .into();
    assert_eq!(taken.to_vec(), vec![js("c"), js("d")]);
    let (sent, out) = drive(
        &s,
        s.peek_score(ID, 0.0),
        vec![arr(&[bytes("a"), bytes("2.5")])],
    );
    assert_eq!(out.unwrap(), JsValue::from(2.5));
    assert_eq!(sent, vec![vec!["ZRANGE", "jobs", "0", "0", "WITHSCORES"]]);
    // node-redis asked for RESP3 doubles as text.
    let (_, out) = drive(
        &s,
        s.peek_score(ID, 0.0),
        vec![arr(&[arr(&[js("a"), js("0.30000000000000004")])])],
    );
    assert_eq!(out.unwrap(), JsValue::from(0.1 + 0.2));
    assert!(
        drive(&s, s.take(ID, &n(0.0), 0.0), vec![]).0.is_empty(),
        "take(0) sends nothing"
    );
    // As in the original (`if num < 1: return []`), and its int(num) truncation.
    for below_one in [-1.0, 0.5, f64::NEG_INFINITY] {
        let (sent, out) = drive(&s, s.take(ID, &n(below_one), 0.0), vec![]);
        assert!(sent.is_empty() && Array::from(&out.unwrap()).length() == 0);
    }
    let (sent, _) = drive(&s, s.take(ID, &n(2.9), 0.0), vec![Array::new().into()]);
    assert_eq!(sent[0], ["ZPOPMIN", "jobs", "2"]);
    for refused in [f64::NAN, f64::INFINITY, 4_294_967_296.0] {
        assert_eq!(
            prop(&s.take(ID, &n(refused), 0.0).err().unwrap(), "name"),
            js("RangeError"),
            "{refused}"
        );
    }
    assert_eq!(
        prop(&s.peek(ID, &n(4_294_967_296.0), 0.0).err().unwrap(), "name"),
        js("RangeError")
    );
}

#[wasm_bindgen_test]
fn scheduled_pop_falls_back_from_evalsha_to_eval() {
    let s = set("scheduled");
    let replies = vec![
        error("NOSCRIPT No matching script. Please use EVAL."),
        arr(&[bytes("due")]),
    ];
    let (sent, out) = drive(&s, s.pop(ID, 100.0), replies);
    assert_eq!(out.unwrap(), js("due"));
    assert_eq!(sent[0][0], "EVALSHA");
    assert_eq!(sent[1][0], "EVAL");
    assert_eq!(&sent[1][2..], ["2", "jobs", "jobs__lock", "100", "1"]);
}

#[wasm_bindgen_test]
fn empty_pop_throws_a_key_error_naming_the_set() {
    let s = set("sorted");
    for empty in [arr(&[]), JsValue::NULL, JsValue::UNDEFINED] {
        let err = drive(&s, s.pop(ID, 0.0), vec![empty]).1.unwrap_err();
        assert_eq!(prop(&err, "name"), js("KeyError"));
        assert_eq!(prop(&err, "set"), js("jobs"));
        assert!(prop(&err, "message").as_string().unwrap().contains("jobs"));
    }
}

#[wasm_bindgen_test]
fn error_replies_throw_with_the_servers_message() {
    let s = set("sorted");
    let wrongtype = error("WRONGTYPE Operation against a key holding the wrong kind of value");
    let err = drive(&s, s.len(ID), vec![wrongtype]).1.unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(prop(&err, "name"), js("ReplyError"));
    assert_eq!(prop(&err, "code"), js("WRONGTYPE"));
    assert!(prop(&err, "message")
        .as_string()
        .unwrap()
        .contains("wrong kind of value"));
}

#[wasm_bindgen_test]
fn unexpected_replies_throw_protocol_errors() {
    let s = set("sorted");
    for weird in [
        js("x"),
        JsValue::from(true),
        Object::new().into(),
        arr(&[bytes("a")]),
    ] {
        let err = drive(&s, s.pop(ID, 0.0), vec![weird]).1.unwrap_err();
        assert_eq!(prop(&err, "name"), js("ProtocolError"));
    }
}

#[wasm_bindgen_test]
fn a_throwing_serializer_throws_before_any_command() {
    let serializer =
        js_sys::eval("({ dumps() { throw new TypeError('nope') }, loads: (s) => s })").unwrap();
    let s = build("sorted", serializer, None, JsValue::UNDEFINED).unwrap();
    let err = s.add(ID, js("x"), &n(1.0), 0.0).err().unwrap();
    assert_eq!(prop(&err, "name"), js("SerializerError"));
    assert_eq!(prop(&prop(&err, "cause"), "message"), js("nope"));
    let bad = js_sys::eval("({ dumps: () => 42, loads: (s) => s })").unwrap();
    let s = build("sorted", bad, None, JsValue::UNDEFINED).unwrap();
    assert_eq!(
        prop(&s.has(ID, js("x")).err().unwrap(), "name"),
        js("SerializerError")
    );
}

#[wasm_bindgen_test]
fn nan_scores_are_rejected_and_explicit_zero_is_kept() {
    let scorer: Function = js_sys::eval("(item) => item.length").unwrap().into();
    let s = build(
        "sorted",
        string_serializer(),
        Some(scorer),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(
        prop(
            &s.add(ID, js("x"), &n(f64::NAN), 0.0).err().unwrap(),
            "name"
        ),
        js("RangeError")
    );
    let (sent, out) = drive(
        &s,
        s.add(ID, js("abc"), &n(0.0), 0.0),
        vec![arr(&[n(1.0), n(0.0)])],
    );
    assert_eq!(out.unwrap(), JsValue::from(0));
    // The ZADD's last arguments (before the check for waiting consumers): score, member.
    let tail = |sent: &[Vec<String>]| sent[0][sent[0].len() - 2..].to_vec();
    assert_eq!(tail(&sent), ["0", "abc"]);
    let (sent, _) = drive(
        &s,
        s.add(ID, js("abc"), &JsValue::UNDEFINED, 0.0),
        vec![arr(&[n(0.0), n(0.0)])],
    );
    assert_eq!(tail(&sent), ["3", "abc"]);
    let throwing: Function = js_sys::eval("() => { throw new Error('scorer broke') }")
        .unwrap()
        .into();
    let s = build(
        "sorted",
        string_serializer(),
        Some(throwing),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let err = s.add(ID, js("x"), &JsValue::UNDEFINED, 0.0).err().unwrap();
    assert_eq!(prop(&prop(&err, "cause"), "message"), js("scorer broke"));
}

#[wasm_bindgen_test]
fn undecodable_items_are_logged_and_become_null() {
    let logged: Rc<RefCell<Vec<String>>> = Rc::default();
    let log = logged.clone();
    let logger = Closure::wrap(Box::new(move |message: String, details: Object| {
        assert_eq!(prop(&details, "set"), js("jobs"));
        log.borrow_mut().push(message);
    }) as Box<dyn FnMut(String, Object)>);
    let logger: Function = logger.as_ref().clone().unchecked_into();
    let make = |kind| {
        WasmSet::new(
            kind,
            &js("jobs"),
            string_serializer(),
            &JsValue::UNDEFINED,
            &logger.clone().into(),
            JsValue::UNDEFINED,
            marker(),
        )
        .unwrap()
    };
    let binary: JsValue = js_sys::Uint8Array::from(&[0xffu8, 0xfe][..]).into();
    let sorted = make("sorted");
    let (_, out) = drive(
        &sorted,
        sorted.pop(ID, 0.0),
        vec![arr(&[binary.clone(), bytes("0")])],
    );
    assert_eq!(out.unwrap(), JsValue::NULL);
    let scheduled = make("scheduled");
    let taken = drive(
        &scheduled,
        scheduled.take(ID, &n(5.0), 0.0),
        vec![arr(&[binary, bytes("ok")])],
    )
    .1;
    assert_eq!(Array::from(&taken.unwrap()).to_vec(), vec![js("ok")]);
    let logged = logged.borrow();
    assert_eq!(logged.len(), 2);
    assert!(
        logged[0].contains("\"jobs\"") && logged[0].contains("failed to deserialize"),
        "{}",
        logged[0]
    );
}

#[wasm_bindgen_test]
fn noscript_after_eval_is_an_error_not_a_loop() {
    let s = set("scheduled");
    let noscript = || error("NOSCRIPT No matching script.");
    let (sent, out) = drive(&s, s.pop(ID, 0.0), vec![noscript(), noscript(), noscript()]);
    assert_eq!(sent.len(), 2, "EVALSHA, then EVAL once");
    assert_eq!(prop(&out.unwrap_err(), "code"), js("NOSCRIPT"));
}

#[wasm_bindgen_test]
fn a_scheduled_pop_sleeps_while_the_originals_lock_is_held() {
    let s = set("scheduled");
    let (sent, out) = drive(
        &s,
        s.pop(ID, 100.0),
        vec![js("200.5"), Array::of1(&js("due")).into()],
    );
    assert_eq!(out.unwrap(), js("due"));
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(&sent[0][2..5], ["2", "jobs", "jobs__lock"]);
    assert!(sent[1][0].starts_with("sleep "), "{sent:?}");
    let options = js_sys::eval("({ originalLock: false })").unwrap();
    let s = build("scheduled", string_serializer(), None, options).unwrap();
    let (sent, _) = drive(&s, s.pop(ID, 100.0), vec![Array::new().into()]);
    assert_eq!(&sent[0][2..4], ["1", "jobs"]);
}

#[wasm_bindgen_test]
fn a_lock_timeout_is_a_lock_timeout_error_and_bad_options_are_refused() {
    let options = js_sys::eval("({ lockTimeout: 0 })").unwrap();
    let s = build("scheduled", string_serializer(), None, options).unwrap();
    let (_, out) = drive(&s, s.take(ID, &n(5.0), 100.0), vec![js("200.5")]);
    let err = out.unwrap_err();
    assert_eq!(prop(&err, "name"), js("LockTimeout"));
    assert_eq!(prop(&err, "lock"), js("jobs__lock"));
    for bad in [
        "({ lockTimeout: -1 })",
        "({ lockTimeout: 'x' })",
        "({ originalLock: 3 })",
    ] {
        let result = build(
            "scheduled",
            string_serializer(),
            None,
            js_sys::eval(bad).unwrap(),
        );
        assert!(result.is_err(), "{bad}");
    }
}

#[wasm_bindgen_test]
fn typed_feeds_give_the_same_results_as_feed() {
    let s = set("sorted");
    let _ = s.len(ID).unwrap(); // ZCARD
    assert_eq!(s.feed_number(ID, 3.0).unwrap(), JsValue::from(3.0));
    // A double where an integer is wanted is a protocol error, not a truncation.
    let _ = s.len(ID).unwrap();
    let err = s.feed_number(ID, 2.5).unwrap_err();
    assert_eq!(prop(&err, "name"), js("ProtocolError"));
    // Bulks in one piece: a RESP2 ZPOPMIN reply [member, score].
    let _ = s.pop(ID, 0.0).unwrap();
    assert_eq!(
        s.feed_bulks(ID, b"job-11", &[5, 1], 1).unwrap(),
        js("job-1")
    );
    // RESP3's nested pairs, in rows of two.
    let _ = s.take(ID, &n(5.0), 0.0).unwrap();
    let taken = s.feed_bulks(ID, b"a1b2", &[1, 1, 1, 1], 2).unwrap();
    assert_eq!(Array::from(&taken).to_vec(), vec![js("a"), js("b")]);
    let _ = s.take(ID, &n(5.0), 0.0).unwrap();
    let err = s.feed_bulks(ID, b"a1b", &[1, 1, 1], 2).unwrap_err();
    assert_eq!(prop(&err, "name"), js("ProtocolError"));
    // Lengths that run past the bytes are refused, not read out of bounds.
    let _ = s.take(ID, &n(5.0), 0.0).unwrap();
    let err = s.feed_bulks(ID, b"ab", &[1, 5], 1).unwrap_err();
    assert_eq!(prop(&err, "name"), js("ProtocolError"));
    let _ = s.score(ID, js("x")).unwrap();
    assert_eq!(s.feed_bytes(ID, b"1.5").unwrap(), JsValue::from(1.5));
    // Feeding a slot with nothing in flight is an error, and frees nothing else.
    let err = s.feed_number(ID + 1, 1.0).unwrap_err();
    assert_eq!(prop(&err, "name"), js("ProtocolError"));
}

#[wasm_bindgen_test]
fn a_whole_command_sent_again_is_the_same_array() {
    let s = set("sorted");
    let first = s.len(ID).unwrap();
    s.abandon(ID);
    let again = s.len(ID).unwrap();
    assert!(js_sys::Object::is(&first, &again));
    let (sent, _) = drive(&s, s.pop(ID + 1, 0.0), vec![Array::new().into()]);
    assert_eq!(sent[0], ["ZPOPMIN", "jobs", "1"]);
}

#[wasm_bindgen_test]
fn prepared_commands_one_argument_apart_are_copies_that_leave_the_first_as_it_was() {
    let s = set("scheduled");
    let pop = |now: f64| Array::from(&s.prepared(0, &JsValue::UNDEFINED, now).unwrap());
    let (first, second) = (pop(1.5), pop(2.25));
    assert!(!js_sys::Object::is(&first, &second));
    let (first, second) = (strings(&first), strings(&second));
    assert_eq!(first[5], "1.5");
    assert_eq!(second[5], "2.25");
    assert_eq!(first[..5], second[..5]);
    assert_eq!(first[6..], second[6..]);
    // Prepared commands carry no step mark; the core says which only read.
    assert!(Reflect::get(&pop(3.0), &marker()).unwrap().is_undefined());
    let traits = s.prepared_traits(0).unwrap();
    assert_eq!((traits & READ, traits >> ITEM_AT), (0, 0));
    // A strings set's has: the item itself goes as the member, each call its own.
    let s = build("sorted", js("strings"), None, JsValue::UNDEFINED).unwrap();
    let has = |item: &str| strings(&Array::from(&s.prepared(4, &js(item), 0.0).unwrap()));
    assert_eq!(
        (has("a"), has("b")),
        (
            vec!["ZSCORE".into(), "jobs".into(), "a".into()],
            vec!["ZSCORE".into(), "jobs".into(), "b".into()]
        )
    );
    // A has only reads; its item goes where the member is (one more than its index).
    assert_eq!(s.prepared_traits(4).unwrap(), READ | 3 << ITEM_AT);
    // A lone surrogate is sent as the member the core made (U+FFFD), not as given.
    let lone = String::from_utf16_lossy(&[0xd800]);
    let args = Array::from(
        &s.prepared(4, &js_sys::JsString::from_char_code1(0xd800).into(), 0.0)
            .unwrap(),
    );
    assert_eq!(args.get(2).as_string(), Some(lone));
}

#[wasm_bindgen_test]
fn a_prepared_command_that_carries_the_time_says_where_and_the_time_goes_there() {
    let s = set("scheduled");
    let none = JsValue::UNDEFINED;
    let at = s.prepared_time_at(0, &none).unwrap().unwrap();
    assert_eq!(
        s.prepared_time_at(1, &JsValue::from(100)).unwrap(),
        Some(at)
    );
    let kept = strings(&Array::from(&s.prepared(0, &none, 1.5).unwrap()));
    for now in [2.25, 1_733_000_000.125] {
        let mut args = kept.clone();
        args[at as usize] = s.prepared_score(now).as_string().unwrap();
        assert_eq!(
            args,
            strings(&Array::from(&s.prepared(0, &none, now).unwrap()))
        );
    }
    // A sorted set's pop is fixed: nothing to put in.
    assert_eq!(set("sorted").prepared_time_at(0, &none).unwrap(), None);
    assert!(s.prepared_time_at(9, &none).is_err());
}

#[wasm_bindgen_test]
fn a_kept_add_says_where_its_item_and_score_go_and_the_core_gives_the_score() {
    let s = build("time", js("strings"), None, JsValue::UNDEFINED).unwrap();
    let kept = strings(&Array::from(
        &s.prepared_add(js("a"), &n(1.0), 0.0, false).unwrap(),
    ));
    let at = s.prepared_add_at();
    let (score_at, item_at) = ((at & 0xff) as usize - 1, (at >> 8) as usize - 1);
    for (score, now) in [(n(2.5), 0.0), (JsValue::UNDEFINED, 1_733_000_000.125)] {
        let used = s.prepared_add(js("b"), &score, now, true).unwrap();
        let mut args = kept.clone();
        args[score_at] = s
            .prepared_score(used.as_f64().unwrap())
            .as_string()
            .unwrap();
        args[item_at] = "b".into();
        let made = s.prepared_add(js("b"), &score, now, false).unwrap();
        assert_eq!(args, strings(&Array::from(&made)));
        assert_eq!(used.as_f64(), Some(s.added_score()));
    }
    // A bad score throws as the add's does.
    assert!(s.prepared_add(js("b"), &n(f64::NAN), 0.0, true).is_err());
    assert!(s.prepared_add(js("b"), &js("high"), 0.0, true).is_err());
    // A scorer's score hangs on the item: the core makes the command.
    let scorer = Function::new_with_args("item", "return item.length");
    let scored = build("sorted", js("strings"), Some(scorer), JsValue::UNDEFINED).unwrap();
    assert!(scored
        .prepared_add(js("b"), &JsValue::UNDEFINED, 0.0, true)
        .unwrap()
        .is_undefined());
    assert_eq!(
        scored.prepared_add(js("b"), &n(3.0), 0.0, true).unwrap(),
        n(3.0)
    );
    // A set of another serializer makes its members itself.
    assert_eq!(set("sorted").prepared_add_at(), 0);
}

#[wasm_bindgen_test]
fn rows_with_scores_a_client_decoded_read_as_their_reply_and_only_a_score_keeps_them() {
    let take =
        |s: &WasmSet, scores: &[f64]| s.prepared_bulks(1, &n(5.0), b"ab", &[1, 1], 1, scores);
    // A strings set's take reads the members in place: one string, cut where JS is told.
    let s = build("sorted", js("strings"), None, JsValue::UNDEFINED).unwrap();
    assert_eq!(take(&s, &[1.5, f64::INFINITY]).unwrap(), js("ab"));
    assert_eq!(s.item_ends().to_vec(), [1, 2]);
    // Any other set's, through the reply the rows stand for.
    let items = take(&set("sorted"), &[1.5, f64::NEG_INFINITY]).unwrap();
    assert_eq!(Array::from(&items).to_vec(), vec![js("a"), js("b")]);
    // A NaN score, or a score for each member but one, is the decoder's error.
    for s in [&s, &set("sorted")] {
        for bad in [&[1.0, f64::NAN][..], &[1.0]] {
            assert_eq!(
                prop(&take(s, bad).unwrap_err(), "name"),
                js("ProtocolError")
            );
        }
    }
    // Scores reach the result of a score (5) only; pop, take, peek and len are fixed.
    let traits: Vec<u32> = (0..6)
        .map(|which| s.prepared_traits(which).unwrap())
        .collect();
    let keeps: Vec<bool> = traits.iter().map(|t| t & KEEPS_SCORES != 0).collect();
    assert_eq!(keeps, [false, false, false, false, false, true]);
    let fixed: Vec<bool> = traits.iter().map(|t| t & FIXED != 0).collect();
    assert_eq!(fixed, [true, true, true, true, false, false]);
    assert!(s.prepared_traits(9).is_err());
    // A set of JS values through a serializer of its own: no item goes as it is given.
    assert_eq!(set("sorted").prepared_traits(5).unwrap() >> ITEM_AT, 0);
}

#[wasm_bindgen_test]
fn a_score_alone_is_decoded_from_its_bytes_as_the_operations_decoder_reads_it() {
    let s = set("sorted");
    let none = JsValue::UNDEFINED;
    let alone = |which: u32, score: &str| {
        s.prepared_pair(which, &js("a"), score.as_bytes(), &[], 3, none.clone())
    };
    // has (4) and score (5) of an item whose ZSCORE came back as a bulk string.
    assert_eq!(alone(4, "2.5").unwrap().as_bool(), Some(true));
    assert_eq!(alone(5, "-inf").unwrap().as_f64(), Some(f64::NEG_INFINITY));
    // As the general path: a score that is not a number is the decoder's error.
    let bad = alone(5, "high").unwrap_err();
    let general = s.prepared_reply(5, &js("a"), bytes("high")).unwrap_err();
    assert_eq!(prop(&bad, "message"), prop(&general, "message"));
    assert_eq!(prop(&bad, "name"), js("ProtocolError"));
}

#[wasm_bindgen_test]
fn lease_records_go_out_and_come_back_by_hand_written_conversion() {
    let s = set("sorted");
    // claim(1): {requeued, buried, member, token, deliveries, deadline, score}.
    let claim_reply = || {
        arr(&[
            JsValue::from(0),
            JsValue::from(0),
            bytes("a"),
            JsValue::from(7),
            JsValue::from(2),
            JsValue::from(1_700_000_000_000.0),
            js("1.5"),
        ])
    };
    let (sent, leases) = drive(
        &s,
        s.claim(ID, &n(1.0), &n(30_000.0), 0.0),
        vec![claim_reply()],
    );
    let lease = Array::from(&leases.unwrap()).get(0);
    assert_eq!(prop(&lease, "item"), js("a"));
    assert_eq!(prop(&lease, "token"), JsValue::from(7));
    assert_eq!(prop(&lease, "deliveries"), JsValue::from(2));
    assert_eq!(prop(&lease, "deadline"), JsValue::from(1_700_000_000_000.0));
    assert_eq!(prop(&lease, "score"), JsValue::from(1.5));
    let member: js_sys::Uint8Array = prop(&lease, "member").into();
    assert_eq!(member.to_vec(), b"a");

    // A second claim sends the same command (its SHA and keys come from a cache).
    let (again, _) = drive(
        &s,
        s.claim(ID, &n(1.0), &n(30_000.0), 0.0),
        vec![claim_reply()],
    );
    assert_eq!(sent, again);

    // ack takes the record back, and a member given as an array of bytes too.
    let (sent, acked) = drive(
        &s,
        s.ack_many(ID, &arr(std::slice::from_ref(&lease))),
        vec![arr(&[JsValue::from(1)])],
    );
    assert!(acked.unwrap().is_undefined());
    assert_eq!(sent[0][sent[0].len() - 2..], ["a", "7"]);
    let copy = Object::assign(&Object::new(), lease.dyn_ref::<Object>().unwrap());
    Reflect::set(&copy, &js("member"), &arr(&[JsValue::from(97)])).unwrap();
    let (sent, _) = drive(
        &s,
        s.ack(ID, &copy.clone().into()),
        vec![arr(&[JsValue::from(1)])],
    );
    assert_eq!(sent[0][sent[0].len() - 2..], ["a", "7"]);

    // Anything else is a TypeError naming the call and the field; nothing is sent.
    for (field, value) in [
        ("token", js("7")),
        ("token", JsValue::from(-1)),
        ("token", JsValue::from(2f64.powi(53))),
        ("deliveries", JsValue::from(0.5)),
        ("score", JsValue::NULL),
        ("member", js("a")),
        ("member", arr(&[JsValue::from(256)])),
    ] {
        let bad = Object::assign(&Object::new(), lease.dyn_ref::<Object>().unwrap());
        Reflect::set(&bad, &js(field), &value).unwrap();
        let err = s.ack(ID, &bad.into()).unwrap_err();
        assert_eq!(prop(&err, "name"), js("TypeError"), "{field}");
        let message = prop(&err, "message").as_string().unwrap();
        assert!(
            message.starts_with("ack(lease): `") && message.contains(field),
            "{message}"
        );
    }
    for bad in [js("lease"), JsValue::NULL] {
        let err = s.extend(ID, bad, &n(1000.0)).unwrap_err();
        assert_eq!(prop(&err, "name"), js("TypeError"));
    }
    let err = s.ack_many(ID, &lease).unwrap_err();
    assert!(prop(&err, "message").as_string().unwrap().contains("array"));
}

#[wasm_bindgen_test]
fn every_parameter_is_checked_here_naming_the_method_and_parameter() {
    let s = set("sorted");
    let lease = js_sys::eval("({ item: 'a', token: 1, deliveries: 1, deadline: 0, score: 0, member: new Uint8Array([97]) })").unwrap();
    let not_a_number = js("3");
    let checks: Vec<(&str, Result<JsValue, JsValue>)> = vec![
        ("add(score)", s.add(ID, js("x"), &not_a_number, 0.0)),
        ("take(count)", s.take(ID, &not_a_number, 0.0)),
        ("peek(position)", s.peek(ID, &not_a_number, 0.0)),
        (
            "peekItems(count)",
            s.peek_items(ID, &n(0.0), &not_a_number, 0.0),
        ),
        ("popWait(timeoutMs)", s.pop_wait(ID, &not_a_number, 0.0)),
        (
            "takeWait(timeoutMs)",
            s.take_wait(ID, &n(1.0), &not_a_number, 0.0),
        ),
        ("claim(leaseMs)", s.claim(ID, &n(1.0), &not_a_number, 0.0)),
        (
            "claimWait(count)",
            s.claim_wait(ID, &not_a_number, &n(1.0), &n(1.0), 0.0),
        ),
        (
            "ackAndClaim(count)",
            s.ack_and_claim(ID, &lease, &not_a_number, &n(1.0), 0.0),
        ),
        ("extend(byMs)", s.extend(ID, lease.clone(), &not_a_number)),
        ("retry(options)", s.retry(ID, &lease, &js("soon"))),
        ("inFlightItems(limit)", s.in_flight_items(ID, &not_a_number)),
        (
            "addMany(items)",
            s.add_many(ID, &js("x"), JsValue::UNDEFINED, 0.0),
        ),
    ];
    for (what, result) in checks {
        let err = result.expect_err(what);
        assert_eq!(prop(&err, "name"), js("TypeError"), "{what}");
        let message = prop(&err, "message").as_string().unwrap();
        assert!(message.starts_with(what), "{what}: {message}");
    }
    for (what, result) in [
        ("claim(leaseMs)", s.claim(ID, &n(1.0), &n(-5.0), 0.0)),
        ("popWait(timeoutMs)", s.pop_wait(ID, &n(f64::NAN), 0.0)),
        ("peek(position)", s.peek(ID, &n(0.5), 0.0)),
    ] {
        let err = result.expect_err(what);
        assert_eq!(prop(&err, "name"), js("RangeError"), "{what}");
        assert!(prop(&err, "message").as_string().unwrap().starts_with(what));
    }
    // Defaults are the binding's too: peek() is peek(0), inFlightItems() lists 100.
    let (sent, _) = drive(
        &s,
        s.peek(ID, &JsValue::UNDEFINED, 0.0),
        vec![Array::new().into()],
    );
    assert_eq!(sent[0], ["ZRANGE", "jobs", "0", "0"]);
    for (what, name, scorer, logger) in [
        (
            "name",
            n(42.0),
            JsValue::UNDEFINED,
            Function::new_no_args("").into(),
        ),
        (
            "scorer",
            js("jobs"),
            js("high"),
            Function::new_no_args("").into(),
        ),
        ("logger", js("jobs"), JsValue::UNDEFINED, JsValue::NULL),
    ] {
        let err = WasmSet::new(
            "sorted",
            &name,
            string_serializer(),
            &scorer,
            &logger,
            JsValue::UNDEFINED,
            marker(),
        )
        .err()
        .expect(what);
        assert_eq!(prop(&err, "name"), js("TypeError"), "{what}");
        assert!(prop(&err, "message").as_string().unwrap().starts_with(what));
    }
}

#[wasm_bindgen_test]
fn a_blocking_wait_asks_for_the_time_with_a_now_step_not_a_sleep() {
    let options = js_sys::eval("({ blockingWaits: true })").unwrap();
    let s = build("sorted", string_serializer(), None, options).unwrap();
    // Nothing popped, then nothing when blocked: the wait wants the time to go on, at
    // once (the driver's resume gives one past the timeout).
    let (sent, out) = drive(
        &s,
        s.pop_wait(ID, &n(1000.0), 100.0),
        vec![arr(&[]), JsValue::NULL, JsValue::NULL],
    );
    let blocked = sent
        .iter()
        .position(|c| c[0] == "BZPOPMIN")
        .expect("blocks");
    assert_eq!(sent[blocked + 1], ["now"], "{sent:?}");
    assert!(sent.iter().all(|c| !c[0].starts_with("sleep")), "{sent:?}");
    assert_eq!(prop(&out.unwrap_err(), "name"), js("KeyError"));
}
