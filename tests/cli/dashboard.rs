//! `redset dashboard`: the page served byte for byte as `src/dashboard/` holds it, its
//! API's figures and listings of a set in every state checked against the crate's own
//! reads, one `stats()` per set per refresh however often pages ask, and the start
//! refused — exit 2, saying why — with a short token, beyond
//! loopback without `--allow-remote`, or with too short a refresh. (The API's answers
//! beside the Node host's, and the page in a real browser: js/test/dashboard-*.)

use std::path::Path;
use std::time::{Duration, Instant};

use redset::SortedSet;
use serde_json::Value;

use crate::fixtures::work_set;
use crate::run::{redset, Serving};
use crate::support::RedisServer;

/// A read-only dashboard of `sets` on a free loopback port.
fn dashboard(server: &RedisServer, sets: &[&str]) -> Serving {
    let mut args = vec!["dashboard", "--listen", "127.0.0.1:0", "--"];
    args.extend(sets);
    Serving::start(&server.url(), &args)
}

fn get(dashboard: &Serving, path: &str) -> (String, Vec<u8>) {
    let mut response = ureq::get(format!("http://{}/{path}", dashboard.address))
        .call()
        .unwrap_or_else(|e| panic!("GET /{path}: {e}"));
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.body_mut().read_to_vec().unwrap();
    (content_type, body)
}

/// `GET path` of a dashboard, as JSON.
pub fn get_json(dashboard: &Serving, path: &str) -> Value {
    let (content_type, body) = get(dashboard, path);
    assert_eq!(content_type, "application/json; charset=utf-8", "{path}");
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn serves_the_page_as_it_is() {
    let server = RedisServer::start();
    let dashboard = dashboard(&server, &["jobs"]);
    assert!(
        dashboard.first_line.contains("read-only"),
        "{}",
        dashboard.first_line
    );
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dashboard");
    for (path, file, content_type) in [
        ("", "index.html", "text/html; charset=utf-8"),
        ("index.html", "index.html", "text/html; charset=utf-8"),
        ("app.css", "app.css", "text/css; charset=utf-8"),
        ("app.js", "app.js", "text/javascript; charset=utf-8"),
        ("api.js", "api.js", "text/javascript; charset=utf-8"),
        ("chart.js", "chart.js", "text/javascript; charset=utf-8"),
        ("render.js", "render.js", "text/javascript; charset=utf-8"),
    ] {
        let (served_type, body) = get(&dashboard, path);
        assert_eq!(served_type, content_type, "/{path}");
        assert!(
            body == std::fs::read(page.join(file)).unwrap(),
            "/{path} is not {file} as it is"
        );
    }
}

#[test]
fn shows_a_set_in_every_state_as_the_crate_reads_it() {
    let server = RedisServer::start();
    let state = work_set(server.conn(), "jobs");
    let dashboard = dashboard(&server, &["jobs"]);

    let overview = get_json(&dashboard, "api/sets");
    assert_eq!(overview["writes"], "off");
    let jobs = &overview["sets"][0];
    assert_eq!(
        (&jobs["name"], &jobs["kind"], &jobs["kindGuessed"]),
        (&"jobs".into(), &"sorted".into(), &true.into())
    );
    let stats = SortedSet::new(server.conn(), "jobs").stats().unwrap();
    let shown = &jobs["stats"];
    for (field, want) in [
        ("waiting", stats.waiting),
        ("due", stats.due),
        ("inFlight", stats.in_flight),
        ("dead", stats.dead),
    ] {
        assert_eq!(shown[field], want, "{field}");
    }
    assert_eq!(shown["counters"], Value::Null);

    let items = get_json(&dashboard, "api/sets/jobs/items?count=5");
    let items: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, state.waiting);

    let leases = get_json(&dashboard, "api/sets/jobs/in-flight");
    let leases = leases["leases"].as_array().unwrap();
    let lease = |item: &str| {
        leases
            .iter()
            .find(|l| l["item"] == item)
            .unwrap_or_else(|| panic!("no lease of {item}: {leases:?}"))
    };
    assert!(
        lease(state.retry_waiting)["token"].is_null(),
        "a retry waiting has no holder"
    );
    assert_eq!(lease(state.expired)["timeLeftMs"], 0.0);
    for item in &state.leased {
        assert!(lease(item)["token"].is_u64() && lease(item)["timeLeftMs"].as_f64().unwrap() > 0.0);
    }

    let dead = get_json(&dashboard, "api/sets/jobs/dead?q=TIMEOUT");
    assert_eq!(
        (dead["total"].as_u64(), dead["matched"].as_u64()),
        (Some(2), Some(1))
    );
    let letter = &dead["letters"][0];
    assert_eq!(
        (&letter["item"], &letter["reason"]),
        (&"d".into(), &"upstream timeout".into())
    );
    assert_eq!(letter["id"], "ZA=="); // "d" in base64
}

/// Scripts run by clients so far (`EVALSHA`, and `EVAL` where a script was not cached).
fn scripts_run(conn: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(conn).unwrap();
    info.lines()
        .filter(|line| line.starts_with("cmdstat_evalsha:") || line.starts_with("cmdstat_eval:"))
        .filter_map(|line| {
            line.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[test]
fn reads_each_set_once_per_refresh_however_often_pages_ask() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    let refresh = Duration::from_millis(200);
    let dashboard = Serving::start(
        &server.url(),
        &[
            "dashboard",
            "--listen",
            "127.0.0.1:0",
            "--refresh",
            "200ms",
            "jobs",
        ],
    );
    get_json(&dashboard, "api/sets"); // after the first refresh
    let mut conn = server.conn();
    let before = scripts_run(&mut conn);
    let started = Instant::now();
    // Four "pages" polling as fast as they can, 25 times each at least: far more often
    // than once per refresh.
    let polls: usize = std::thread::scope(|pages| {
        let polling = (0..4).map(|_| {
            pages.spawn(|| {
                let mut polls = 0;
                while polls < 25 || started.elapsed() < 5 * refresh {
                    assert_eq!(get_json(&dashboard, "api/sets")["sets"][0]["name"], "jobs");
                    polls += 1;
                }
                polls
            })
        });
        polling
            .collect::<Vec<_>>()
            .into_iter()
            .map(|page| page.join().unwrap())
            .sum()
    });
    let elapsed = started.elapsed();
    let read = scripts_run(&mut conn) - before;
    // One stats() script per refresh begun in the window, and one under way at its start.
    let refreshes = (elapsed.as_millis() / refresh.as_millis()) as u64 + 2;
    let seen = format!("{read} scripts for {polls} polls in {elapsed:?} (refresh {refresh:?})");
    assert!(read >= 1 && read <= refreshes, "{seen}");
    eprintln!("{seen}");
}

#[test]
fn refuses_to_start_with_a_short_token_beyond_loopback_or_too_often() {
    let server = RedisServer::start();
    let url = server.url();
    let refused = [
        (vec!["--token", "short"], "at least 16 characters"),
        (vec!["--listen", "0.0.0.0:0"], "--allow-remote"),
        (vec!["--refresh", "10ms"], "at least 100ms"),
        (vec!["--origin", "ops.example.com"], "not an origin"),
    ];
    for (args, why) in refused {
        let mut all = vec!["dashboard"];
        all.extend(&args);
        if !args.contains(&"--listen") {
            all.extend(["--listen", "127.0.0.1:0"]);
        }
        redset(&url, &all).expect(2).says(why);
    }
    // Told to, it serves beyond loopback, and says loudly what that means.
    let mut remote = Serving::start(
        &url,
        &["dashboard", "--listen", "0.0.0.0:0", "--allow-remote"],
    );
    let warning = remote.next_line();
    assert!(
        warning.contains("WARNING") && warning.contains("anyone who reaches it"),
        "{warning}"
    );
}
