//! Puts the Lua scripts of `src/core/scripts` into `OUT_DIR` as they are sent to Redis:
//! without their comment lines and indentation (the `--- @include` lines stay, for the
//! core to resolve). The sources keep the documentation; the binaries — the npm
//! package's wasm module above all, where the scripts were a seventh of the bytes — and
//! every `EVAL` carry only the code. The core's own unit tests read the documented
//! sources (their header test checks each script's `KEYS` comments).

use std::fs;
use std::path::Path;

fn main() {
    let scripts = Path::new("src/core/scripts");
    println!("cargo:rerun-if-changed={}", scripts.display());
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("scripts");
    copy_stripped(scripts, &out);
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

/// The code of a script: each line without its indentation, comment lines and blank
/// lines dropped, include lines kept. A comment after code stays (a `--` may be inside a
/// string there); none of the scripts uses a long string (`[[ ]]`), whose lines this
/// would change (checked).
fn strip(source: &str) -> String {
    assert!(
        !source.contains("[["),
        "a long string in a script: strip would change it"
    );
    let mut out = String::with_capacity(source.len() / 2);
    for line in source.lines().map(str::trim) {
        let comment = line.starts_with("--") && !line.starts_with("--- @include");
        if !line.is_empty() && !comment {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
