//! The core driven by scripted replies, with no server: golden commands, every reply
//! shape, every error path, one file per capability. Here: the scripted driver and
//! the sets, commands and replies the capabilities' tests share.

use super::*;

mod clock;
mod flow;
mod lease;
mod original_lock;
mod prepared;
mod scripts;
mod set;
mod stats;
mod wait;

/// Runs `op`, answering its commands with `replies` in order (a pipeline's with one
/// array); returns what it sent (a pipeline's commands as one string) and how it ended.
fn script<O: Operation>(op: O, replies: Vec<Reply>) -> (Vec<String>, Result<O::Output>) {
    script_from(op, replies, 0.0)
}

/// [`script`] with a clock that starts at `now` and moves only when the operation
/// sleeps; each sleep shows in the list of what was sent as `sleep <seconds>`.
fn script_from<O: Operation>(
    mut op: O,
    replies: Vec<Reply>,
    mut now: f64,
) -> (Vec<String>, Result<O::Output>) {
    let mut sent = Vec::new();
    let mut replies = replies.into_iter();
    let mut step = match op.start() {
        Ok(step) => step,
        Err(e) => return (sent, Err(e)),
    };
    for _ in 0..MAX_STEPS {
        // One command is written and answered as a pipeline of one: the same RESP.
        step = match step {
            Step::Send(cmd) => Step::Pipeline(vec![cmd]),
            other => other,
        };
        match step {
            Step::Done(out) => return (sent, Ok(out)),
            Step::Sleep(wait) => {
                sent.push(format!("sleep {:.6}", wait.as_secs_f64()));
                now += wait.as_secs_f64();
                step = match op.resume(now) {
                    Ok(step) => step,
                    Err(e) => return (sent, Err(e)),
                };
            }
            Step::Now => {
                sent.push("now".to_owned());
                step = match op.resume(now) {
                    Ok(step) => step,
                    Err(e) => return (sent, Err(e)),
                };
            }
            Step::Send(_) => unreachable!("made a pipeline of one above"),
            Step::Pipeline(cmds) => {
                let resp = cmds.iter().flat_map(Command::to_resp).collect::<Vec<u8>>();
                sent.push(String::from_utf8_lossy(&resp).into_owned());
                let reply = replies
                    .next()
                    .expect("the operation sent more commands than scripted");
                step = match op.feed(reply) {
                    Ok(step) => step,
                    Err(e) => return (sent, Err(e)),
                };
            }
        }
    }
    panic!("operation did not finish");
}

fn sorted() -> SetCore<Utf8> {
    SetCore::new("jobs", Kind::Sorted, Utf8)
}

fn scheduled() -> SetCore<Utf8> {
    SetCore::new("jobs", Kind::Scheduled, Utf8)
}

fn resp(args: &[&str]) -> String {
    let mut out = format!("*{}\r\n", args.len());
    for a in args {
        out += &format!("${}\r\n{a}\r\n", a.len());
    }
    out
}

fn bulks(items: &[&str]) -> Reply {
    Reply::Array(items.iter().map(Reply::bulk).collect())
}

fn pair(m: &str, s: f64) -> Reply {
    Reply::Array(vec![Reply::bulk(m), Reply::Double(s)])
}

/// What an add without the script sends for the set `jobs`: `ZADD` and the check
/// whether a consumer waits, pipelined.
fn zadd_pipeline(score: &str, member: &str) -> String {
    resp(&["ZADD", "jobs", score, member]) + &resp(&["EXISTS", "{jobs}:waiting"])
}

/// The replies to [`zadd_pipeline`] when nobody waits.
fn nobody_waits() -> Reply {
    Reply::Array(vec![Reply::Int(1), Reply::Int(0)])
}

fn lease_keys() -> Vec<&'static str> {
    vec![
        "jobs",
        "{jobs}:leases",
        "{jobs}:lease-records",
        "{jobs}:deliveries",
        "{jobs}:fence",
        "{jobs}:dead",
        "{jobs}:dead-records",
        "{jobs}:wake",
        "{jobs}:waiting",
        "{jobs}:counters",
        "{jobs}:flow",
        "{jobs}:group-index",
        "{jobs}:group-of",
        "{jobs}:groups-ready",
        "{jobs}:groups-held",
        "{jobs}:groups-later",
        "{jobs}:group-in-flight",
        "{jobs}:group-rate",
        "{jobs}:group-dead",
    ]
}

/// A claim reply as RESP2 gives it (integers, bulk scores) or RESP3 (the same: scripts
/// answer in RESP2 types unless they ask otherwise), for (member, token) pairs.
fn claim_reply(items: &[(&str, i64)]) -> Reply {
    let mut parts = vec![Reply::Int(0), Reply::Int(0)];
    for (member, token) in items {
        parts.extend([
            Reply::bulk(member),
            Reply::Int(*token),
            Reply::Int(1),
            Reply::Int(1_700_000_030_000),
            Reply::bulk("2.5"),
        ]);
    }
    Reply::Array(parts)
}
