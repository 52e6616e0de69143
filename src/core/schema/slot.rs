//! Redis Cluster hash slots, and the companion-key rule that keeps every key of a set
//! in the set's own slot.

/// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag (the text
/// between the first `{` and the first `}` after it, if that text is not empty), else
/// of the whole key, modulo 16384.
///
/// ```
/// use redset::core::hash_slot;
/// assert_eq!(hash_slot(b"123456789"), 0x31C3 % 16384);
/// assert_eq!(hash_slot(b"{user1000}.following"), hash_slot(b"user1000"));
/// assert_eq!(hash_slot(b"foo{}{bar}"), hash_slot(b"foo{}{bar}")); // empty tag: whole key
/// ```
pub fn hash_slot(key: &[u8]) -> u16 {
    crc16(hash_tag(key).unwrap_or(key)) % 16384
}

/// The hash tag of a key, by Redis's rule, if it has one.
fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let close = key[open + 1..].iter().position(|&b| b == b'}')?;
    (close > 0).then(|| &key[open + 1..open + 1 + close])
}

fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The key of the set `name`'s companion `suffix`, in the same hash slot as `name`:
///
/// - `name` has no hash tag: `"{" + name + "}:" + suffix`, whose tag is `name` itself;
/// - `name` has a hash tag and is more than it: `name + ":" + suffix`;
/// - `name` is nothing but a hash tag (`{jobs}`): `name + "." + suffix`, so that its
///   companions are not those of the untagged name inside it (`jobs`);
/// - unless `name` is empty or holds a `}` (and no tag), which would make the first
///   rule's tag empty or end it early: then the tag is the first decimal number whose
///   slot is `name`'s, followed by the name: `"{" + n + "}:" + name + "." + suffix`.
///   Every client computes the same `n`.
///
/// No two set names share a companion key: a tagged name's keys end in `:suffix`; a
/// name that is only a tag, or that gets a decimal tag, ends in `.suffix` with `}.` or
/// `}:` right after its tag; an untagged name's is `{name}:suffix`; suffixes hold no
/// `:` or `.`. (A set should still not be named like another set's companion key.)
///
/// ```
/// use redset::core::{companion_key, hash_slot};
/// assert_eq!(companion_key("jobs", "leases"), "{jobs}:leases");
/// assert_eq!(companion_key("{tenant-1}jobs", "leases"), "{tenant-1}jobs:leases");
/// assert_eq!(companion_key("{jobs}", "leases"), "{jobs}.leases");
/// let odd = companion_key("a{}b", "leases");
/// assert_eq!(hash_slot(odd.as_bytes()), hash_slot(b"a{}b"));
/// ```
pub fn companion_key(name: &str, suffix: &str) -> String {
    if let Some(tag) = hash_tag(name.as_bytes()) {
        // The whole name is its tag: `name:suffix` would be the untagged tag's own.
        let separator = if tag.len() + 2 == name.len() {
            "."
        } else {
            ":"
        };
        return format!("{name}{separator}{suffix}");
    }
    if !name.is_empty() && !name.contains('}') {
        return format!("{{{name}}}:{suffix}");
    }
    let slot = hash_slot(name.as_bytes());
    // 16384 slots: a match turns up within a few tens of thousands of numbers.
    let tag = (0u32..)
        .map(|n| n.to_string())
        .find(|n| crc16(n.as_bytes()) % 16384 == slot)
        .expect("every slot has a decimal tag");
    format!("{{{tag}}}:{name}.{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC16/XMODEM as the Redis Cluster spec gives it, table-driven, written apart from
    /// the one above so that the two check each other.
    fn spec_slot(key: &[u8]) -> u16 {
        let table: Vec<u16> = (0..256u16)
            .map(|i| {
                (0..8).fold(i << 8, |crc, _| {
                    if crc & 0x8000 != 0 {
                        (crc << 1) ^ 0x1021
                    } else {
                        crc << 1
                    }
                })
            })
            .collect();
        let hashed = match key.iter().position(|&b| b == b'{') {
            Some(s) => match key[s + 1..].iter().position(|&b| b == b'}') {
                Some(e) if e > 0 => &key[s + 1..s + 1 + e],
                _ => key,
            },
            None => key,
        };
        let crc = hashed.iter().fold(0u16, |crc, &b| {
            (crc << 8) ^ table[usize::from(((crc >> 8) as u8) ^ b)]
        });
        crc % 16384
    }

    #[test]
    fn slots_match_the_cluster_spec() {
        // The spec's check value, and slots Redis reports for these keys.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(spec_slot(b"foo"), 12182);
        assert_eq!(spec_slot(b"bar"), 5061);
        for key in [
            "foo",
            "{user1000}.following",
            "foo{}{bar}",
            "foo{{bar}}zap",
            "a}b{",
            "",
        ] {
            assert_eq!(
                hash_slot(key.as_bytes()),
                spec_slot(key.as_bytes()),
                "{key}"
            );
        }
    }

    #[test]
    fn companions_share_the_sets_slot_for_every_kind_of_name() {
        let names = [
            "jobs",
            "",
            "{tenant}jobs",
            "jobs{tenant}",
            "{}",
            "a{}b",
            "{",
            "}",
            "a}b",
            "}{",
            "{}{x}",
            "{{x}}",
            "x{y",
            "x:{y}:z",
            "ünïcödé",
            "with space",
        ];
        for name in names {
            for suffix in ["leases", "records", "dead"] {
                let key = companion_key(name, suffix);
                assert_eq!(
                    spec_slot(key.as_bytes()),
                    spec_slot(name.as_bytes()),
                    "{name:?} -> {key:?}"
                );
                assert_ne!(key, name);
            }
        }
        // Distinct names keep distinct companions, even when they share a slot.
        let a = companion_key("a}b", "leases");
        let b = companion_key("b}a", "leases");
        assert_ne!(a, b);
        let mut seen = std::collections::HashMap::new();
        for name in names
            .iter()
            .chain(&["{jobs}", "jobs", "{jobs}:", "{jobs}.", "{a:b}"])
        {
            for suffix in ["leases", "dead", "dead-records", "lease-records"] {
                let key = companion_key(name, suffix);
                if let Some(other) = seen.insert(key.clone(), (*name, suffix)) {
                    assert_eq!(other, (*name, suffix), "{key:?} twice");
                }
            }
        }
        assert_eq!(companion_key("jobs", "dead"), "{jobs}:dead");
        assert_eq!(companion_key("{t}jobs", "dead"), "{t}jobs:dead");
    }
}
