//! Puts the Lua scripts of `src/core/scripts` into `OUT_DIR` as they are sent to Redis:
//! without their comments, indentation and the spaces between tokens that need none
//! (the `--- @include` lines stay, for the core to resolve). The sources keep the
//! documentation; the binaries — the npm package's wasm module above all, where the
//! scripts were a seventh of the bytes — and every `EVAL` carry only the code. The core's own unit tests read the documented
//! sources (their header test checks each script's `KEYS` comments).
//!
//! Beside each script it writes the SHA1 of the script as sent, its `--- @include`
//! lines resolved by the core's own resolver (`src/core/protocol/include.rs`, included
//! here): the binaries carry the SHA, not the code to compute it.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

#[path = "src/core/protocol/include.rs"]
#[allow(dead_code)]
mod include;

fn main() {
    let scripts = Path::new("src/core/scripts");
    println!("cargo:rerun-if-changed={}", scripts.display());
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("scripts");
    copy_stripped(scripts, &out);
    let mut sources = BTreeMap::new();
    read_scripts(&out, &out, &mut sources);
    let find = |name: &str| {
        sources
            .get_key_value(name)
            .map(|(name, text)| (name.as_str(), text.as_str()))
    };
    for (name, text) in &sources {
        let sent = include::resolve(text, &find);
        let sha1 = sha1_smol::Sha1::from(sent.as_bytes()).digest().to_string();
        fs::write(out.join(format!("{name}.lua.sha1")), sha1).expect("OUT_DIR is writable");
    }
}

/// The stripped scripts under `dir` by the name an include line gives them: their
/// path under `root` without `.lua` (`lease/common`).
fn read_scripts(root: &Path, dir: &Path, into: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).expect("OUT_DIR is readable") {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() {
            read_scripts(root, &path, into);
        } else if path.extension().is_some_and(|ext| ext == "lua") {
            let name = path
                .strip_prefix(root)
                .expect("under the root")
                .with_extension("")
                .components()
                .map(|part| part.as_os_str().to_str().expect("a UTF-8 name"))
                .collect::<Vec<_>>()
                .join("/");
            into.insert(name, fs::read_to_string(&path).expect("a script is UTF-8"));
        }
    }
}

fn copy_stripped(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("OUT_DIR is writable");
    for entry in fs::read_dir(from).expect("the scripts folder is readable") {
        let path = entry.expect("a readable entry").path();
        let target = to.join(path.file_name().expect("a named entry"));
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            copy_stripped(&path, &target);
        } else if path.extension().is_some_and(|ext| ext == "lua") {
            println!("cargo:rerun-if-changed={}", path.display());
            let source = fs::read_to_string(&path).expect("a script is UTF-8");
            fs::write(&target, strip(&source)).expect("OUT_DIR is writable");
        }
    }
}

/// The code of a script: each line without its indentation, its comment, and the
/// spaces no token needs (see [`squeeze`]); comment lines and blank lines dropped,
/// include lines kept as they are. Lines stay lines, so Redis's error messages name the
/// same line for the same code. None of the scripts uses a long string or comment
/// (`[[ ]]`), whose lines this would change (checked).
fn strip(source: &str) -> String {
    assert!(
        !source.contains("[["),
        "a long string in a script: strip would change it"
    );
    let mut out = String::with_capacity(source.len() / 2);
    for line in source.lines().map(str::trim) {
        let line = if line.starts_with("--- @include") {
            line.to_owned()
        } else {
            squeeze(line)
        };
        if !line.is_empty() {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// A line of Lua without its comment and with a space kept only where two tokens would
/// otherwise run together: between two words (`local x`, `return 1`), in `. .` and
/// before a `.` after a digit (`1 ..` is not `1..`), in `- -` (not a comment) and in
/// `[ [` or `[ =` (not a long bracket). Quoted strings are copied as they are.
fn squeeze(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                // A quoted string, escapes included, to its closing quote.
                out.push(c);
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        out.push(chars[i]);
                        i += 1;
                    }
                    if let Some(&inner) = chars.get(i) {
                        out.push(inner);
                    }
                    i += 1;
                }
                assert!(i < chars.len(), "an unclosed string in a script: {line}");
                out.push(c);
                i += 1;
            }
            '-' if chars.get(i + 1) == Some(&'-') => break,
            ' ' | '\t' => {
                while i < chars.len() && matches!(chars[i], ' ' | '\t') {
                    i += 1;
                }
                let next = chars.get(i).copied();
                let next_is_comment = next == Some('-') && chars.get(i + 1) == Some(&'-');
                if let (Some(prev), Some(next)) = (out.chars().last(), next) {
                    if !next_is_comment && needs_space(prev, next) {
                        out.push(' ');
                    }
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// Whether `prev` and `next`, with the spaces between them dropped, would read as
/// other tokens.
fn needs_space(prev: char, next: char) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    (word(prev) && word(next))
        || (prev == '.' && next == '.')
        || (prev.is_ascii_digit() && next == '.')
        || (prev == '-' && next == '-')
        || (prev == '[' && matches!(next, '[' | '='))
}
