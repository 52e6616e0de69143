//! A script's `--- @include "name"` lines put in place. The core resolves each script
//! once, at run time, and `build.rs` (which includes this file) resolves each the same
//! way to hash it, so that no binary computes a SHA1 and both agree by construction.

/// The line that puts a helper file in place, as BullMQ's scripts name theirs:
/// `--- @include "lease/common"`.
pub(crate) const INCLUDE: &str = "--- @include \"";

/// Whether `source` has an include line.
pub(crate) fn includes_any(source: &str) -> bool {
    source.lines().any(|line| line.starts_with(INCLUDE))
}

/// `source` with each include line replaced by the helper of that name that `find`
/// gives (its name and its text), whose own include lines are resolved the same way;
/// a helper already in place is not put in twice. A name `find` does not know is left
/// as the line it is (a Lua comment), which the tests of every script rule out.
pub(crate) fn resolve<'a>(
    source: &str,
    find: &dyn Fn(&str) -> Option<(&'a str, &'a str)>,
) -> String {
    let mut out = String::with_capacity(source.len());
    include_into(&mut out, source, find, &mut Vec::new());
    out
}

/// Appends `source` to `out` with its include lines resolved; `placed` names the
/// helpers already in.
fn include_into<'a>(
    out: &mut String,
    source: &str,
    find: &dyn Fn(&str) -> Option<(&'a str, &'a str)>,
    placed: &mut Vec<&'a str>,
) {
    for line in source.split_inclusive('\n') {
        let helper = line
            .trim_end()
            .strip_prefix(INCLUDE)
            .and_then(|rest| rest.strip_suffix('"'))
            .and_then(find);
        match helper {
            Some((name, _)) if placed.contains(&name) => {}
            Some((name, text)) => {
                placed.push(name);
                include_into(out, text.trim_end_matches('\n'), find, placed);
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
}
