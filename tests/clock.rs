//! The server's clock as an option: a consumer whose clock is an hour off still pops
//! what is due by the server's clock, and nothing before it is due, when its set runs
//! on `Clock::Server`; under the default client clock it would not.
//!
//! The skewed consumer drives the sans-IO core itself with "now" an hour off, over a
//! real connection: what a machine with a wrong clock would pass.

mod support;

use std::time::Duration;

use redset::core::{Kind, Operation, Reply, SetCore, Step};
use redset::{Clock, ScheduledSet, TimeSortedSet, Utf8};
use support::{now, RedisServer};

const HOUR: f64 = 3600.0;

/// Runs an operation from the core on `conn`, as a driver would, with "now" skewed.
fn run<O: Operation>(
    conn: &mut redis::Connection,
    mut op: O,
    skew: f64,
) -> redset::Result<O::Output> {
    let mut step = op.start()?;
    for _ in 0..10_000 {
        step = match step {
            Step::Done(out) => return Ok(out),
            Step::Send(cmd) => {
                let mut args = cmd.into_args().into_iter();
                let mut redis_cmd = redis::cmd(std::str::from_utf8(&args.next().unwrap()).unwrap());
                for arg in args {
                    redis_cmd.arg(arg);
                }
                let value: redis::Value = redis_cmd.query(conn).unwrap_or_else(|e| {
                    redis::Value::ServerError(
                        redis::ServerError::try_from(e).expect("a server error"),
                    )
                });
                op.feed(Reply::from(value))?
            }
            Step::Pipeline(cmds) => {
                let mut pipe = redis::pipe();
                for cmd in cmds {
                    let mut args = cmd.into_args().into_iter();
                    let name = String::from_utf8(args.next().unwrap()).unwrap();
                    pipe.add_command(redis::cmd(&name).arg(args.collect::<Vec<_>>()).clone());
                }
                let values: Vec<redis::Value> = pipe.ignore_errors().query(conn).unwrap();
                op.feed(Reply::from(redis::Value::Array(values)))?
            }
            Step::Sleep(wait) => {
                std::thread::sleep(wait);
                op.resume(now() + skew)?
            }
            Step::Now => op.resume(now() + skew)?,
        };
    }
    panic!("operation did not finish");
}

#[test]
fn a_consumer_an_hour_fast_pops_nothing_early_under_the_server_clock() {
    let server = RedisServer::start();
    let mut producer = ScheduledSet::new(server.conn(), "retries").clock(Clock::Server);
    producer.add("due").unwrap();
    producer
        .add_with_score("in-a-minute", now() + 60.0)
        .unwrap();
    let mut conn = server.conn();

    // Its clock is an hour fast: by it both items are due.
    let client = SetCore::new("retries", Kind::Scheduled, Utf8);
    assert_eq!(
        run(&mut conn, client.available(now() + HOUR), 0.0).unwrap(),
        2
    );

    let skewed = client.clone().with_clock(Clock::Server);
    assert_eq!(
        run(&mut conn, skewed.available(now() + HOUR), HOUR).unwrap(),
        1
    );
    let taken = run(&mut conn, skewed.take(10, now() + HOUR), HOUR).unwrap();
    assert_eq!(taken, ["due"]);
    let err = run(&mut conn, skewed.pop(now() + HOUR), HOUR).unwrap_err();
    assert!(err.is_empty(), "{err}");
    let leases = run(
        &mut conn,
        skewed.claim(10, Duration::from_secs(5), now() + HOUR),
        HOUR,
    );
    assert!(leases.unwrap().is_empty());
    assert_eq!(producer.len().unwrap(), 1);
}

#[test]
fn a_consumer_an_hour_slow_waits_only_until_due_by_the_server_clock() {
    let server = RedisServer::start();
    let mut producer = ScheduledSet::new(server.conn(), "retries").clock(Clock::Server);
    producer.add_with_score("soon", now() + 0.3).unwrap();
    let mut conn = server.conn();
    // An hour slow: by its own clock the item is an hour away.
    let skewed = SetCore::new("retries", Kind::Scheduled, Utf8).with_clock(Clock::Server);
    let started = std::time::Instant::now();
    let got = run(
        &mut conn,
        skewed.pop_wait(Duration::from_secs(5), now() - HOUR),
        -HOUR,
    )
    .unwrap();
    let waited = started.elapsed();
    assert_eq!(got.as_deref(), Some("soon"));
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[test]
fn the_default_score_of_a_time_ordered_add_is_the_servers_time() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let skewed = SetCore::new("fifo", Kind::TimeSorted, Utf8).with_clock(Clock::Server);
    let item = "late".to_string();
    let score = run(
        &mut conn,
        skewed.add(&item, None, now() - HOUR).unwrap(),
        -HOUR,
    )
    .unwrap();
    assert!(
        (score - now()).abs() < 5.0,
        "score {score} is not the server's time"
    );
    let items = [("a".to_string(), None), ("b".to_string(), Some(1.0))];
    let many = skewed
        .add_many(
            items.iter().map(|(i, s)| (i, *s)),
            Default::default(),
            now() - HOUR,
        )
        .unwrap();
    assert_eq!(run(&mut conn, many, -HOUR).unwrap(), 2);
    let mut fifo = TimeSortedSet::new(server.conn(), "fifo");
    assert_eq!(fifo.score("b").unwrap(), Some(1.0));
    assert!((fifo.score("a").unwrap().unwrap() - now()).abs() < 5.0);
    // The native set's builder takes the same option.
    let mut native = TimeSortedSet::new(server.conn(), "fifo").clock(Clock::Server);
    assert!((native.add("c").unwrap() - now()).abs() < 5.0);
    assert_eq!(native.pop().unwrap().as_deref(), Some("b"));
}
