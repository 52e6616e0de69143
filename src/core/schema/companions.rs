//! The companion keys as operators see them: the suffix of every companion a set can
//! have, and the way back from a companion key to the set it belongs to — how the
//! `redset` tool and the dashboard's hosts find sets, since Redis keeps no list of them.

use super::slot::companion_key;
use super::{joined, DEDUP, LEASE_KEYS};

/// The suffix (the role) of every companion key a set can have — `{jobs}:leases`,
/// `{jobs}:flow`, `{jobs}:group-index`, … — in schema order: every key of the lease
/// scripts but the set's own, and the dedup window's. The original's lock is the
/// original's key, not a companion.
///
/// ```
/// use redset::core::{COMPANIONS, FLOW, LEASES};
/// assert!(COMPANIONS.contains(&LEASES) && COMPANIONS.contains(&FLOW));
/// assert!(!COMPANIONS.contains(&"set"));
/// ```
pub const COMPANIONS: &[&str] = &joined::<19>(LEASE_KEYS.split_at(1).1, &[DEDUP]);

/// The sets whose companion `key` is, each with the suffix that shows it: the inverse
/// of [`companion_key`]. Each candidate is checked by making its key again, so a name
/// comes back only if it gives exactly `key`; no two names share a companion key, so
/// there is one at most (`{jobs}:leases` is `jobs`'s, `{jobs}.leases` is `{jobs}`'s).
/// A key of no set gives none.
///
/// ```
/// use redset::core::{companion_key, companion_of};
/// assert_eq!(companion_of("{jobs}:leases"), [("jobs".to_owned(), "leases")]);
/// assert_eq!(companion_of(&companion_key("{t}jobs", "flow")), [("{t}jobs".to_owned(), "flow")]);
/// assert!(companion_of("jobs").is_empty());
/// ```
pub fn companion_of(key: &str) -> Vec<(String, &'static str)> {
    let mut names: Vec<(String, &'static str)> = Vec::new();
    for &suffix in COMPANIONS {
        let Some(stem) = key
            .strip_suffix(suffix)
            .and_then(|rest| rest.strip_suffix(':').or_else(|| rest.strip_suffix('.')))
        else {
            continue;
        };
        // `{name}:suffix`; `name:suffix` or `{tag}.suffix` for a tagged name;
        // `{n}:name.suffix` for an empty name or one holding `}` without a tag.
        let untagged = stem.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
        let numbered = stem
            .strip_prefix('{')
            .and_then(|s| s.split_once("}:"))
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, name)| name);
        for name in [untagged, Some(stem), numbered].into_iter().flatten() {
            if companion_key(name, suffix) == key && !names.iter().any(|(n, _)| n == name) {
                names.push((name.to_owned(), suffix));
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::super::Keys;
    use super::*;

    #[test]
    fn the_list_is_every_companion_a_set_is_given() {
        let roles: Vec<&str> = Keys::new("jobs")
            .companions()
            .into_iter()
            .map(|(role, _)| role)
            .collect();
        assert_eq!(roles, COMPANIONS);
    }

    #[test]
    fn names_come_back_from_every_form_of_companion_key() {
        for name in [
            "jobs",
            "{jobs}",
            "{t}jobs",
            "a}b",
            "",
            "x:y:leases",
            "{a:b}",
        ] {
            for &suffix in COMPANIONS {
                let key = companion_key(name, suffix);
                assert_eq!(
                    companion_of(&key),
                    [(name.to_owned(), suffix)],
                    "{name:?} from {key:?}"
                );
            }
        }
        for key in [
            "jobs",
            "{jobs}:other",
            "{jobs}:",
            "jobs:leases",
            "{jobs}:group-",
        ] {
            assert_eq!(companion_of(key), [], "{key:?}");
        }
        assert_eq!(
            companion_of("{jobs}.leases"),
            [("{jobs}".to_owned(), "leases")]
        );
        assert_eq!(
            companion_of("{jobs}:group-dead"),
            [("jobs".to_owned(), "group-dead")]
        );
    }
}
