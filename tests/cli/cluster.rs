//! The tool on a Redis Cluster: sets on every master are found, read and changed,
//! served to Prometheus and shown by the dashboard.

use redset::SortedSet;

use crate::dashboard::get_json;
use crate::fixtures::work_set;
use crate::metrics::Exporter;
use crate::run::{redset, Serving};
use crate::support::cluster::RedisCluster;

#[test]
fn every_command_works_on_sets_spread_over_the_masters() {
    let cluster = RedisCluster::start();
    let names = cluster.names_on_each_master("jobs");
    for name in &names {
        work_set(cluster.conn(), name);
    }
    let hosts: Vec<String> = cluster
        .urls()
        .iter()
        .map(|u| {
            u.trim_start_matches("redis://")
                .trim_end_matches('/')
                .to_owned()
        })
        .collect();
    let url = format!("redis-cluster://{}", hosts[..2].join(","));

    // Found on every master by SCAN, though the URL names only two nodes.
    let found = redset(&url, &["sets", "--json"]).expect(0).json();
    let mut listed: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["set"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let mut want = names.clone();
    want.sort();
    assert_eq!(listed, want);
    for set in found.as_array().unwrap() {
        assert_eq!(
            (&set["waiting"], &set["in_flight"], &set["dead"]),
            (&2.into(), &4.into(), &2.into())
        );
    }

    // Several --url name a cluster too.
    let first = &names[0];
    let urls = cluster.urls();
    let stats = redset(
        "",
        &[
            "--url", &urls[0], "--url", &urls[1], "stats", first, "--json",
        ],
    )
    .expect(0);
    assert_eq!(stats.json()[0]["dead"], 2);
    let leases = redset(&url, &["in-flight", first, "--json"])
        .expect(0)
        .json();
    assert_eq!(leases.as_array().unwrap().len(), 4);

    // Writes, each checked through the crate.
    redset(&url, &["requeue", first, "--all", "--yes"]).expect(0);
    redset(&url, &["recover", &names[1], "--yes"]).expect(0);
    redset(&url, &["purge", &names[2], "--yes"]).expect(0);
    let mut client = cluster.conn();
    let mut set = SortedSet::new(&mut client, first.as_str());
    assert_eq!(
        (set.len().unwrap(), set.dead_letters().unwrap().len()),
        (4, 0)
    );
    // Its consumers last claimed allowing one delivery: the expired item is buried.
    let mut set = SortedSet::new(&mut client, names[1].as_str());
    assert_eq!(
        (
            set.len().unwrap(),
            set.in_flight().unwrap(),
            set.stats().unwrap().dead
        ),
        (2, 3, 3)
    );
    let mut set = SortedSet::new(&mut client, names[2].as_str());
    assert_eq!(set.stats().unwrap().dead, 0);

    // And served to Prometheus, found on every master.
    let exporter = Exporter::start(&url, &[]);
    let (_, samples) = exporter.scrape();
    for name in &names {
        let in_flight = samples.get(&("redset_in_flight_items".to_owned(), name.clone()));
        assert!(in_flight.is_some(), "{name} not served: {samples:?}");
    }
    assert_eq!(
        samples.get(&("redset_up".to_owned(), String::new())),
        Some(&1.0)
    );

    // And shown by the dashboard, found on every master, as the writes left them.
    let dashboard = Serving::start(&url, &["dashboard", "--listen", "127.0.0.1:0"]);
    let overview = get_json(&dashboard, "api/sets");
    let shown: Vec<(&str, &serde_json::Value)> = overview["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), &s["stats"]["dead"]))
        .collect();
    let mut want: Vec<(&str, serde_json::Value)> =
        names.iter().map(|n| (n.as_str(), 2.into())).collect();
    want[0].1 = 0.into(); // requeued
    want[1].1 = 3.into(); // recovered: one more buried
    want[2].1 = 0.into(); // purged
    want.sort_by_key(|(name, _)| *name);
    assert_eq!(shown, want.iter().map(|(n, d)| (*n, d)).collect::<Vec<_>>());
    let leases = get_json(&dashboard, &format!("api/sets/{}/in-flight", names[1]));
    assert_eq!(leases["leases"].as_array().unwrap().len(), 3);
}
