//! Progress on stderr while a command walks many items or keys, only on a terminal
//! (`indicatif` hides its bars elsewhere), so output piped to a script stays clean.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for `total` items, labelled with what is done to them.
pub fn bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total).with_message(what.to_owned());
    if let Ok(style) = ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar
}

/// A spinner for work of unknown size, counting what it has seen.
pub fn spinner(what: &str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner().with_message(what.to_owned());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {pos}") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}
