//! The scripts as sent: their SHA, and their headers against the schema.

use super::*;
use crate::core::{flow, lease, set, stats, wait};

#[test]
fn script_sha_matches_redis() {
    // SHA1 of the source, as SCRIPT LOAD would answer.
    assert_eq!(POP_DUE.sha1().len(), 40);
    assert_eq!(
        Script::new("return 1").sha1(),
        "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
    );
}

/// Every script's header names its `KEYS` by role, in the order the schema gives them,
/// and every helper it includes is in place.
#[test]
fn every_script_header_lists_the_keys_the_schema_gives_it() {
    let all = [
        set::scripts(),
        lease::scripts(),
        stats::scripts(),
        wait::scripts(),
        flow::scripts(),
    ]
    .concat();
    assert_eq!(all.len(), 19);
    for (script, roles) in all {
        assert!(!script.has_unresolved_include(), "{}", script.source());
        let mut listed: Vec<(usize, String)> = Vec::new();
        for line in script.source().lines().filter(|l| l.starts_with("--")) {
            let mut rest = line;
            while let Some(at) = rest.find("KEYS[") {
                rest = &rest[at + 5..];
                let Some(close) = rest.find(']') else { break };
                let Ok(index) = rest[..close].parse::<usize>() else {
                    continue;
                };
                let role: String = rest[close + 1..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                listed.push((index, role));
            }
        }
        listed.sort();
        let expected: Vec<(usize, String)> = roles
            .iter()
            .enumerate()
            .map(|(i, role)| (i + 1, (*role).to_owned()))
            .collect();
        assert_eq!(listed, expected, "{}", &script.source()[..80]);
    }
}
