//! Flow control on real servers: pause and resume, a rate limit held by consumer
//! processes in every window, fair groups against a flood, a per-group in-flight limit
//! under SIGKILLed consumers and expiring leases, limits that survive a restart, and the
//! workers' escape hatch. Every time checked is the server's (a lease's claim time is
//! its deadline less its length, both by the server's clock), so the margins come from
//! what is tested, not from how fast this machine is.

mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;
use redset::{RateLimit, SortedSet, Text};
use support::RedisServer;

/// The server's time in ms.
fn server_ms(conn: &mut redis::Connection) -> u64 {
    let (seconds, micros): (u64, u64) = redis::cmd("TIME").query(conn).unwrap();
    seconds * 1000 + micros / 1000
}

/// When a lease was claimed, by the server's clock.
fn claimed_at<T>(lease: &redset::Lease<T>, length: Duration) -> u64 {
    lease.deadline_ms() - length.as_millis() as u64
}

#[test]
fn pause_stops_every_consumer_and_resume_wakes_a_waiting_one() {
    const LEASE: Duration = Duration::from_secs(30);
    let server = RedisServer::start();
    let mut producer = SortedSet::new(server.conn(), "paused");
    producer
        .add_many((0..5000).map(|i| i.to_string()).collect::<Vec<_>>().iter())
        .unwrap();
    // Three consumers claim and ack as fast as they can, each recording when (by the
    // server's clock) each of its leases was claimed.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let (conn, stop) = (server.conn(), stop.clone());
            std::thread::spawn(move || {
                let mut set = SortedSet::new(conn, "paused");
                let mut claimed = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    for lease in set.claim(2, LEASE).unwrap() {
                        claimed.push(claimed_at(&lease, LEASE));
                        set.ack(&lease).unwrap();
                    }
                }
                claimed
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut control = SortedSet::new(server.conn(), "paused");
    control.pause().unwrap();
    let mut conn = server.conn();
    let paused_at = server_ms(&mut conn);
    assert!(control.is_paused().unwrap() && control.stats().unwrap().paused);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let claims: Vec<u64> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let after: Vec<&u64> = claims.iter().filter(|&&at| at > paused_at).collect();
    println!(
        "pause: {} claims before it, {} after (server clock)",
        claims.len() - after.len(),
        after.len()
    );
    assert!(claims.len() > after.len(), "the consumers never ran");
    assert!(after.is_empty(), "claimed after the pause: {after:?}");
    // Producers go on adding; pops of a set without flow control are the original's.
    assert_eq!(control.add("late").unwrap(), 0.0);
    assert!(control.pop().unwrap().is_some());
    let mut flowing = SortedSet::new(server.conn(), "paused").flow_control(true);
    assert!(flowing.pop().unwrap_err().is_empty());

    // A consumer blocked in claim_wait stays blocked, and wakes when resumed.
    let mut wakes = Vec::new();
    for _ in 0..3 {
        let waiter = std::thread::spawn({
            let conn = server.conn();
            move || {
                let mut set = SortedSet::new(conn, "paused");
                let got = set.claim_wait(1, LEASE, Duration::from_secs(10)).unwrap();
                claimed_at(&got[0], LEASE)
            }
        });
        std::thread::sleep(Duration::from_millis(1300)); // longer than one block
        let resuming_at = server_ms(&mut conn);
        control.resume().unwrap();
        let claimed = waiter.join().unwrap();
        assert!(claimed >= resuming_at, "claimed while paused");
        wakes.push(claimed - resuming_at);
        control.pause().unwrap();
    }
    wakes.sort_unstable();
    println!("resume woke a waiting consumer in {wakes:?} ms (server clock)");
    // Woken by the marker, not by a block's timeout (1 s) or a poll.
    assert!(wakes[1] < 500, "{wakes:?}");
}

/// Claims with `claim_wait` and acks until the set's `:stop` key exists, logging each
/// claim's server time: the consumer process of the rate-limit test.
fn rate_consumer(url: &str, name: &str, lease: Duration) {
    let client = redis::Client::open(url).unwrap();
    let limit = RateLimit::with_burst(200, Duration::from_secs(1), 20).unwrap();
    let mut set = SortedSet::new(client.get_connection().unwrap(), name).rate_limit(limit);
    let mut log = client.get_connection().unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if log.exists(format!("{name}:stop")).unwrap() {
            return;
        }
        let leases = set
            .claim_wait(10, lease, Duration::from_millis(500))
            .unwrap();
        let times: Vec<u64> = leases.iter().map(|l| claimed_at(l, lease)).collect();
        if !times.is_empty() {
            let _: () = log.rpush(format!("{name}:log"), times).unwrap();
        }
        set.ack_many(&leases).unwrap();
    }
}

/// The consumer processes of the tests here: run by them, skipped otherwise.
#[test]
#[ignore = "a child process of the flow tests"]
fn flow_consumer() {
    let spec = std::env::var("REDSET_CHILD").expect("run by the flow tests");
    let parts: Vec<&str> = spec.split('|').collect();
    match parts.as_slice() {
        ["rate", url, name] => rate_consumer(url, name, Duration::from_secs(30)),
        ["groups", url, name, seed] => group_consumer(url, name, seed.parse().unwrap()),
        _ => panic!("unknown child {spec}"),
    }
}

fn spawn_child(spec: String) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["flow_consumer", "--exact", "--ignored", "--nocapture"])
        .env("REDSET_CHILD", spec)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn finish(child: Child) {
    let status = child.wait_with_output().unwrap().status;
    assert!(status.success(), "a consumer failed");
}

/// The most claim times (sorted, ms) in any window of `window` ms.
fn busiest(times: &[u64], window: u64) -> usize {
    let mut most = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] > window {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}

#[test]
fn a_rate_limit_holds_in_every_window_across_four_consumer_processes() {
    const RATE: f64 = 200.0;
    const BURST: f64 = 20.0;
    let server = RedisServer::start();
    let (url, name) = (server.url(), "limited");
    let mut producer = SortedSet::new(server.conn(), name);
    producer
        .add_many((0..5000).map(|i| i.to_string()).collect::<Vec<_>>().iter())
        .unwrap();
    let consumers: Vec<Child> = (0..4)
        .map(|_| spawn_child(format!("rate|{url}|{name}")))
        .collect();
    std::thread::sleep(Duration::from_secs(10));
    let mut conn = server.conn();
    let _: () = conn.set(format!("{name}:stop"), 1).unwrap();
    consumers.into_iter().for_each(finish);
    let mut times: Vec<u64> = conn.lrange(format!("{name}:log"), 0, -1).unwrap();
    times.sort_unstable();
    assert!(times.len() > 100, "only {} claimed", times.len());
    // A claim's time is whole ms (floored): a window of w ms holds items of w + 1 ms.
    for window in [0, 5, 50, 100, 1000, 5000] {
        let most = busiest(&times, window);
        let allowed = BURST + (window + 1) as f64 * RATE / 1000.0;
        println!("rate limit: at most {most} in any {window} ms (limit + burst: {allowed:.1})");
        assert!(most as f64 <= allowed, "{most} in {window} ms");
    }
    let span = (times[times.len() - 1] - times[0]) as f64 / 1000.0;
    let reached = (times.len() as f64 - BURST) / span;
    println!(
        "rate limit: {} items in {span:.2} s by 4 consumer processes: {reached:.1}/s of {RATE}/s ({:.1}%)",
        times.len(),
        100.0 * reached / RATE
    );
    assert!(reached >= 0.95 * RATE, "reached {reached:.1}/s");
}

#[test]
fn a_flood_in_one_group_does_not_delay_the_small_groups() {
    let server = RedisServer::start();
    let name = "fair";
    let mut producer = SortedSet::new(server.conn(), name)
        .group_by(|item: &String| item.split(':').next().unwrap().to_owned());
    let flood: Vec<String> = (0..50_000).map(|i| format!("flood:{i}")).collect();
    producer.add_many(flood.iter()).unwrap();
    for i in 0..100 {
        producer.add(&format!("small-a:{i}")).unwrap();
        producer.add(&format!("small-b:{i}")).unwrap();
    }
    // The original still reads every item.
    let mut raw = server.conn();
    assert_eq!(raw.zcard::<_, usize>(name).unwrap(), 50_200);
    let done: Vec<_> = (0..4)
        .map(|_| {
            let conn = server.conn();
            let mut log = server.conn();
            std::thread::spawn(move || {
                let mut set = SortedSet::new(conn, name)
                    .group_by(|item: &String| item.split(':').next().unwrap().to_owned());
                for _ in 0..400 {
                    for lease in set.claim(1, Duration::from_secs(30)).unwrap() {
                        set.ack(&lease).unwrap();
                        let _: () = log.rpush(format!("{name}:log"), &lease.item).unwrap();
                    }
                }
            })
        })
        .collect();
    done.into_iter().for_each(|t| t.join().unwrap());
    let order: Vec<String> = raw.lrange(format!("{name}:log"), 0, -1).unwrap();
    let last_small = order.iter().rposition(|i| !i.starts_with("flood")).unwrap();
    let small_done = order.iter().filter(|i| !i.starts_with("flood")).count();
    let floods_before = order[..last_small]
        .iter()
        .filter(|i| i.starts_with("flood"))
        .count();
    println!(
        "fairness: all {small_done} items of the two small groups done before the flood's \
         {}th (of 50 000 waiting); {} done in all",
        floods_before + 1,
        order.len()
    );
    assert_eq!(small_done, 200);
    assert!(floods_before < 1000, "{floods_before} flood items first");
    let mut set = SortedSet::new(server.conn(), name).grouped();
    let flood_stats = set.group_stats("flood").unwrap();
    assert_eq!(flood_stats.waiting as usize, 50_000 - (order.len() - 200));
    assert_eq!((flood_stats.in_flight, flood_stats.dead), (0, 0));
    assert_eq!(set.group_stats("small-a").unwrap().waiting, 0);
}

/// Claims up to two leases at a time, logs each claim ("c group token claim deadline")
/// and, before each ack, "a token time" (the server's time), works 0–30 ms, and
/// sometimes (seeded) holds a lease past its deadline; until nothing is waiting or in
/// flight.
fn group_consumer(url: &str, name: &str, mut seed: u64) {
    const LEASE: Duration = Duration::from_millis(300);
    let client = redis::Client::open(url).unwrap();
    let mut set = SortedSet::new(client.get_connection().unwrap(), name)
        .group_by(|item: &String| item.split(':').next().unwrap().to_owned())
        .group_concurrency(2);
    let mut log = client.get_connection().unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(90) {
        let leases = set
            .claim_wait(2, LEASE, Duration::from_millis(200))
            .unwrap();
        if leases.is_empty() {
            let stats = set.stats().unwrap();
            if stats.waiting == 0 && stats.in_flight == 0 {
                return;
            }
            continue;
        }
        for lease in &leases {
            let group = lease.item.split(':').next().unwrap();
            let entry = format!(
                "c {group} {} {} {}",
                lease.token,
                claimed_at(lease, LEASE),
                lease.deadline_ms()
            );
            let _: () = log.rpush(format!("{name}:log"), entry).unwrap();
        }
        for lease in leases {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let work = if seed.is_multiple_of(10) {
                400
            } else {
                seed % 30
            };
            std::thread::sleep(Duration::from_millis(work));
            // Logged before the ack, so a kill right after the ack leaves no lease that
            // seems held longer than it was (an interval only ever ends early).
            let entry = format!("a {} {}", lease.token, server_ms(&mut log));
            let _: () = log.rpush(format!("{name}:log"), entry).unwrap();
            if let Err(e) = set.ack(&lease) {
                assert!(e.is_lease_lost(), "{e}");
            }
        }
    }
}

#[test]
fn a_group_never_has_more_in_flight_than_its_limit_under_kills_and_expiring_leases() {
    const GROUPS: usize = 5;
    const PER_GROUP: usize = 60;
    const LIMIT: usize = 2;
    let server = RedisServer::start();
    let (url, name) = (server.url(), "limited-groups");
    let mut producer = SortedSet::new(server.conn(), name)
        .group_by(|item: &String| item.split(':').next().unwrap().to_owned())
        .group_concurrency(LIMIT as u32);
    let items: Vec<String> = (0..GROUPS * PER_GROUP)
        .map(|i| format!("g{}:{i}", i % GROUPS))
        .collect();
    producer.add_many(items.iter()).unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let spawn = |seed: &mut u64| {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        spawn_child(format!("groups|{url}|{name}|{}", *seed | 1))
    };
    let mut consumers: Vec<Child> = (0..4).map(|_| spawn(&mut seed)).collect();
    for round in 0..6 {
        std::thread::sleep(Duration::from_millis(400));
        let mut victim = consumers.swap_remove(round % consumers.len());
        victim.kill().unwrap(); // SIGKILL: its leases expire
        victim.wait().unwrap();
        consumers.push(spawn(&mut seed));
    }
    consumers.into_iter().for_each(finish);

    let mut conn = server.conn();
    let log: Vec<String> = conn.lrange(format!("{name}:log"), 0, -1).unwrap();
    // Each lease: its group, when it was claimed, and a time by which it had ended or
    // before it did: its ack (the server's time just before it) or its deadline. An
    // interval that ends early can only hide a violation, never show one that was not.
    let mut leases: HashMap<u64, (String, u64, u64)> = HashMap::new();
    for entry in &log {
        let parts: Vec<&str> = entry.split(' ').collect();
        match parts.as_slice() {
            ["c", group, token, at, deadline] => {
                let end = deadline.parse().unwrap();
                leases.insert(
                    token.parse().unwrap(),
                    (group.to_string(), at.parse().unwrap(), end),
                );
            }
            ["a", token, at] => {
                let lease = leases.get_mut(&token.parse().unwrap()).unwrap();
                lease.2 = lease.2.min(at.parse().unwrap());
            }
            _ => panic!("{entry}"),
        }
    }
    let mut most = 0;
    for (token, (group, at, _)) in &leases {
        let held = leases
            .iter()
            .filter(|(other, (g, from, end))| {
                g == group && (*other == token || (from <= at && at < end))
            })
            .count();
        most = most.max(held);
    }
    let mut set = SortedSet::new(server.conn(), name).grouped();
    let stats = set.stats().unwrap();
    let groups = set.groups(100).unwrap();
    println!(
        "group limit {LIMIT}: {} claims of {} items by consumers SIGKILLed 6 times, \
         leases of 300 ms (one in ten held 400 ms): at most {most} of a group held at a claim; \
         left {} waiting, {} in flight, {} dead",
        leases.len(),
        GROUPS * PER_GROUP,
        stats.waiting,
        stats.in_flight,
        stats.dead
    );
    assert!(most <= LIMIT, "{most} of one group in flight");
    assert_eq!((stats.waiting, stats.in_flight), (0, 0));
    // No count left behind: every group is empty again.
    assert!(
        groups.iter().all(|g| g.in_flight == 0 && g.waiting == 0),
        "{groups:?}"
    );
}

#[test]
fn pause_limits_and_group_counts_survive_a_server_restart() {
    let mut server = RedisServer::start_durable();
    let name = "durable";
    let slow = RateLimit::new(1, Duration::from_secs(60)).unwrap();
    let lease = Duration::from_secs(60);
    let build = |conn| {
        SortedSet::new(conn, name)
            .rate_limit(slow)
            .group_by(|item: &String| item[..1].to_owned())
            .group_concurrency(1)
    };
    let mut set = build(server.conn());
    for item in ["a1", "a2", "b1"] {
        set.add(item).unwrap();
    }
    let first = set.claim(5, lease).unwrap();
    assert_eq!(first.len(), 1, "the burst is one");
    server.kill_and_restart();
    let mut set = build(server.conn());
    assert!(
        set.claim(5, lease).unwrap().is_empty(),
        "the rate limit's state survived"
    );
    set.pause().unwrap();
    server.kill_and_restart();
    let mut set = build(server.conn());
    assert!(set.is_paused().unwrap());
    set.resume().unwrap();
    // Only the rate limit holds b1 back now; a1's group is at its in-flight limit.
    let unlimited = |conn| {
        SortedSet::new(conn, name)
            .group_by(|item: &String| item[..1].to_owned())
            .group_concurrency(1)
    };
    let mut set = unlimited(server.conn());
    let next = set.claim(5, lease).unwrap();
    let items: Vec<&str> = next.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(items, ["b1"], "a's in-flight count survived");
    assert_eq!(set.group_stats("a").unwrap().in_flight, 1);
}

#[test]
fn an_item_added_to_another_group_while_leased_leaves_no_group_at_its_limit() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "moved").group_concurrency(1);
    let in_flight = |set: &mut SortedSet<redis::Connection>, group: &str| {
        set.group_stats(group).unwrap().in_flight
    };
    let claim_all = |set: &mut SortedSet<redis::Connection>, lease: Duration| {
        let mut leases = set.claim(5, lease).unwrap();
        leases.sort_by(|a, b| a.item.cmp(&b.item));
        leases
    };
    set.add_to_group("a", "x").unwrap();
    set.add_to_group("a", "y").unwrap();
    let lease = set.claim(5, Duration::from_secs(30)).unwrap().remove(0);
    assert_eq!(lease.item, "x"); // a is at its limit: y waits
    set.add_to_group("b", "x").unwrap();
    set.ack(&lease).unwrap();
    // The ack settled a's count (the lease's group), not b's.
    assert_eq!((in_flight(&mut set, "a"), in_flight(&mut set, "b")), (0, 0));
    let leases = claim_all(&mut set, Duration::from_millis(200));
    let items: Vec<&str> = leases.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(items, ["x", "y"]);
    assert_eq!((in_flight(&mut set, "a"), in_flight(&mut set, "b")), (1, 1));

    // The same when leases expire instead: y (claimed from a) is added to b while its
    // lease runs; the claim that finds the leases over settles a and b and puts y into
    // b, and a, with z waiting, is not left at its limit.
    set.add_to_group("b", "y").unwrap();
    set.add_to_group("a", "z").unwrap();
    std::thread::sleep(Duration::from_millis(400)); // the 200 ms leases are over
    let items: Vec<String> = claim_all(&mut set, Duration::from_secs(30))
        .into_iter()
        .map(|l| l.item)
        .collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.contains(&"z".to_string()), "{items:?}"); // one of b's, and z
    assert_eq!((in_flight(&mut set, "a"), in_flight(&mut set, "b")), (1, 1));
    let waiting = |set: &mut SortedSet<redis::Connection>, group: &str| {
        set.group_stats(group).unwrap().waiting
    };
    assert_eq!((waiting(&mut set, "a"), waiting(&mut set, "b")), (0, 1));
}

#[test]
fn a_group_behind_more_stale_entries_than_one_claim_looks_at_keeps_its_place() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "stale").grouped();
    // 1 100 items of a, then taken from the set behind the index's back (as the
    // original's pops do): more stale index entries than one claim's budget of turns.
    let gone: Vec<String> = (0..1100).map(|i| format!("gone-{i:04}")).collect();
    for (i, item) in gone.iter().enumerate() {
        set.add_to_group_with_score("a", item.as_str(), i as f64)
            .unwrap();
    }
    set.add_to_group_with_score("a", "last", 2000.0).unwrap();
    let mut conn = server.conn();
    let _: usize = conn.zrem("stale", &gone).unwrap();
    // A claim that runs out of budget among them hands out nothing, and a leaves the
    // line only once it is known to have nothing: a later claim finds its item.
    let mut claimed = Vec::new();
    for _ in 0..5 {
        claimed = set.claim(1, Duration::from_secs(30)).unwrap();
        if !claimed.is_empty() {
            break;
        }
    }
    assert_eq!(claimed.len(), 1, "a lost its place in line");
    assert_eq!(claimed[0].item, "last");
}

#[test]
fn rate_limited_gives_the_item_back_uncounted_and_holds_the_whole_set() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "hatch").serializer(Text::<u32>::new());
    set.add_many([&1, &2]).unwrap();
    let lease = set.claim(1, Duration::from_secs(30)).unwrap().remove(0);
    let mut conn = server.conn();
    let before = server_ms(&mut conn);
    set.rate_limited(&lease, Duration::from_millis(1500))
        .unwrap();
    let held = set.stats().unwrap().held_for.expect("held");
    assert!(held <= Duration::from_millis(1500) && held > Duration::ZERO);
    assert!(set.claim(2, Duration::from_secs(30)).unwrap().is_empty());
    // A waiting consumer sleeps until the hold ends, then gets the item again, the
    // delivery not counted.
    let again = set
        .claim_wait(1, Duration::from_secs(30), Duration::from_secs(10))
        .unwrap();
    let at = claimed_at(&again[0], Duration::from_secs(30));
    assert!(
        at >= before + 1500,
        "claimed {} ms into the hold",
        at - before
    );
    assert_eq!((again[0].item, again[0].deliveries), (1, 1));
    assert!(set
        .rate_limited(&lease, Duration::ZERO)
        .unwrap_err()
        .is_lease_lost());
}

#[test]
fn grouped_pops_go_round_robin_and_scheduled_groups_wait_for_their_items() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "rr").grouped();
    for (group, item, score) in [
        ("a", "a1", 1.0),
        ("a", "a2", 2.0),
        ("a", "a3", 3.0),
        ("b", "b1", 9.0),
    ] {
        set.add_to_group_with_score(group, item, score).unwrap();
    }
    assert_eq!(set.len().unwrap(), 4);
    let popped = set.take(4).unwrap();
    assert_eq!(popped, ["a1", "b1", "a2", "a3"]);
    // An item added by a writer that knows nothing of groups (the Python original adds
    // with ZADD) joins the default group when it reaches the set's head.
    let mut raw = server.conn();
    let _: () = raw.zadd("rr", "stray", 0.5).unwrap();
    set.add_to_group_with_score("a", "a4", 1.0).unwrap();
    assert_eq!(set.take(2).unwrap(), ["a4", "stray"]); // a was in line first
    assert_eq!(set.group_stats("").unwrap().waiting, 0);
    let mut plain = SortedSet::new(server.conn(), "plain");
    assert!(plain
        .add_to_group("a", "x")
        .unwrap_err()
        .to_string()
        .contains("not grouped"));

    let now = support::now();
    let mut later = redset::ScheduledSet::new(server.conn(), "later").grouped();
    later
        .add_to_group_with_score("a", "a-late", now + 0.6)
        .unwrap();
    later
        .add_to_group_with_score("b", "b-now", now - 1.0)
        .unwrap();
    assert_eq!(later.take(5).unwrap(), ["b-now"]);
    // An earlier item brings its group's time forward.
    later
        .add_to_group_with_score("a", "a-now", now - 1.0)
        .unwrap();
    assert_eq!(later.take(5).unwrap(), ["a-now"]);
    let due = later.pop_wait(Duration::from_secs(5)).unwrap();
    assert_eq!(due.as_deref(), Some("a-late"));
}
