//! Running the `redset` binary as an operator would: piped (no terminal), or on a
//! pseudo-terminal to answer its questions.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_redset");

/// Long enough for a debug build on a loaded machine to start, talk to a local
/// server and answer: a bound, not a timing margin (the tests wait for events).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn of(output: Output) -> Ran {
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Stdout as JSON; fails the test (with what was printed) if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }

    /// Fails the test unless the run exited with `code`.
    pub fn expect(self, code: i32) -> Ran {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Fails the test unless stderr holds `text`.
    pub fn says(self, text: &str) -> Ran {
        assert!(
            self.stderr.contains(text),
            "{text:?} not in:\n{}",
            self.stderr
        );
        self
    }

    /// The line of the table whose first column is `first`, split on blanks.
    pub fn row(&self, first: &str) -> Vec<String> {
        self.stdout
            .lines()
            .map(|line| {
                line.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells.first().map(String::as_str) == Some(first))
            .unwrap_or_else(|| panic!("no row {first:?} in:\n{}", self.stdout))
    }
}

/// Runs `redset ARGS` against `url`, stdin and stdout piped (not a terminal).
pub fn redset(url: &str, args: &[&str]) -> Ran {
    let output = Command::new(BIN)
        .args(args)
        .env("REDIS_URL", url)
        .env_remove("NO_COLOR")
        .output()
        .expect("the redset binary runs");
    Ran::of(output)
}

/// A `redset` command that serves HTTP (`metrics`, `dashboard`), stopped on drop.
pub struct Serving {
    child: Child,
    stderr: BufReader<ChildStderr>,
    /// Where it serves: `host:port`.
    pub address: String,
    /// The line it printed first, which says where.
    pub first_line: String,
}

impl Serving {
    /// Runs `redset ARGS` against `url`; returns once it has said where it serves
    /// (`http://ADDRESS/…` on its first line of stderr).
    pub fn start(url: &str, args: &[&str]) -> Serving {
        let mut child = Command::new(BIN)
            .args(args)
            .env("REDIS_URL", url)
            .stderr(Stdio::piped())
            .spawn()
            .expect("redset starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first_line = String::new();
        stderr.read_line(&mut first_line).unwrap();
        let address = first_line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {first_line:?}"))
            .to_owned();
        Serving {
            child,
            stderr,
            address,
            first_line,
        }
    }

    /// The next line it prints on stderr (blocks until it does, or ends).
    pub fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stderr.read_line(&mut line).unwrap();
        line
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `redset ARGS` on a pseudo-terminal and, once it has printed `prompt`, types
/// `answer` and Enter. Gives the exit code and everything the terminal showed.
pub fn redset_on_terminal(url: &str, args: &[&str], prompt: &str, answer: &str) -> (u32, String) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut command = CommandBuilder::new(BIN);
    command.args(args);
    command.env("REDIS_URL", url);
    let mut child = pty.slave.spawn_command(command).expect("redset starts");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("pty reader");
    let mut writer = pty.master.take_writer().expect("pty writer");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut shown = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    let mut answered = false;
    loop {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            shown.extend(chunk);
        }
        if !answered && String::from_utf8_lossy(&shown).contains(prompt) {
            writer.write_all(answer.as_bytes()).unwrap();
            writer.write_all(b"\r").unwrap();
            writer.flush().unwrap();
            answered = true;
        }
        if let Some(status) = child.try_wait().unwrap() {
            // What the child wrote last is still in the pty: take it.
            while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
                shown.extend(chunk);
            }
            let shown = String::from_utf8_lossy(&shown).into_owned();
            assert!(answered, "redset ended before asking {prompt:?}:\n{shown}");
            return (status.exit_code(), shown);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "redset did not finish on the terminal:\n{}",
                String::from_utf8_lossy(&shown)
            );
        }
    }
}
