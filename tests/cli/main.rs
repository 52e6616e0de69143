//! The `redset` command-line tool, run as a process against real servers that the
//! tests start: its reads (table and JSON), every change its write commands make (and
//! that they ask first, and that declining changes nothing), `stats --watch`, the
//! Prometheus endpoint, the web dashboard's host, and all of it on a Redis Cluster.

#[path = "../support/mod.rs"]
mod support;

mod cluster;
mod dashboard;
mod fixtures;
mod metrics;
mod reads;
mod run;
mod tls;
mod watch;
mod writes;
