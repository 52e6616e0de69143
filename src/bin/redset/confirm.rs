//! The question before a change: asked on a terminal; without one, only `--yes` lets
//! a command change data.

use std::io::IsTerminal;

use dialoguer::Confirm;

use crate::exit::Failure;

/// Whether the user agrees to `question` (`--yes` agrees without asking). Declining,
/// or having no terminal to ask on without `--yes`, is [`Failure::NotConfirmed`]:
/// nothing was changed.
pub fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::NotConfirmed(format!(
            "{question} Not asked: no terminal; add --yes to go ahead. Nothing changed."
        )));
    }
    let answer = Confirm::new()
        .with_prompt(question)
        .default(false)
        .wait_for_newline(true)
        .interact_opt()
        .map_err(|err| Failure::Io(err.into()))?;
    match answer {
        Some(true) => Ok(()),
        _ => Err(Failure::NotConfirmed("declined: nothing changed".into())),
    }
}
