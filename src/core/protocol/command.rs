//! Commands as the core hands them to a driver: an argument list of byte strings.

use std::fmt;

/// One Redis command: the name and its arguments, each a binary-safe byte string.
///
/// The core builds these; a driver sends them as they are and hands back the reply.
///
/// ```
/// use redset::core::Command;
/// let cmd = Command::new("ZCARD").arg("jobs");
/// assert_eq!(cmd.args(), [b"ZCARD".to_vec(), b"jobs".to_vec()]);
/// assert_eq!(cmd.to_resp(), b"*2\r\n$5\r\nZCARD\r\n$4\r\njobs\r\n");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    args: Vec<Vec<u8>>,
    /// For a command without a key that must go where a key lives (`WAIT` after a
    /// write): that key.
    route: Option<Vec<u8>>,
}

impl Command {
    /// Starts a command with its name.
    pub fn new(name: &str) -> Self {
        // Most commands have at most four arguments: one allocation for the list.
        Self::with_capacity(name, 4)
    }

    /// Starts a command with its name and room for `count` arguments in all (a script
    /// call's keys and arguments), so that adding them reallocates nothing.
    ///
    /// ```
    /// use redset::core::Command;
    /// let cmd = Command::with_capacity("EVALSHA", 5).arg("f00").arg(1usize).arg("jobs");
    /// assert_eq!(format!("{cmd:?}"), r#"["EVALSHA", "f00", "1", "jobs"]"#);
    /// ```
    pub fn with_capacity(name: &str, count: usize) -> Self {
        let mut args = Vec::with_capacity(count.max(1));
        args.push(name.as_bytes().to_vec());
        Command { args, route: None }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into().0);
        self
    }

    /// Appends each of `args` as one argument, as they are.
    ///
    /// ```
    /// use redset::core::Command;
    /// let cmd = Command::new("HMGET").arg("h").with_args([b"a".to_vec(), b"b".to_vec()]);
    /// assert_eq!(format!("{cmd:?}"), r#"["HMGET", "h", "a", "b"]"#);
    /// ```
    pub fn with_args(mut self, args: impl IntoIterator<Item = Vec<u8>>) -> Self {
        self.args.extend(args);
        self
    }

    /// Sends a command without a key to the node where `key` lives, on a cluster client
    /// that routes by the key it is given (see [`first_key`](Self::first_key)).
    pub fn routed_by(mut self, key: &[u8]) -> Self {
        self.route = Some(key.to_vec());
        self
    }

    /// The key a cluster client routes the command by: its first key, or the key it
    /// was [routed by](Self::routed_by); `None` for `TIME` and the like.
    ///
    /// ```
    /// use redset::core::Command;
    /// assert_eq!(Command::new("ZCARD").arg("jobs").first_key(), Some(&b"jobs"[..]));
    /// let wait = Command::new("WAIT").arg("1").arg("100").routed_by(b"jobs");
    /// assert_eq!(wait.first_key(), Some(&b"jobs"[..]));
    /// ```
    pub fn first_key(&self) -> Option<&[u8]> {
        match &self.route {
            Some(key) => Some(key),
            None => self
                .first_key_index()
                .and_then(|i| self.args.get(i))
                .map(Vec::as_slice),
        }
    }

    /// The command name followed by its arguments.
    pub fn args(&self) -> &[Vec<u8>] {
        &self.args
    }

    /// Takes the argument list out of the command.
    pub fn into_args(self) -> Vec<Vec<u8>> {
        self.args
    }

    /// The command name (`"EVALSHA"`, `"ZPOPMIN"`, …).
    pub fn name(&self) -> &str {
        std::str::from_utf8(&self.args[0]).unwrap_or("?")
    }

    /// Whether this is one of the read-only commands redset sends (`ZCARD`, `ZCOUNT`,
    /// `ZRANGE`, `ZRANGEBYSCORE`, `ZSCORE`): one that got no reply changed nothing.
    ///
    /// ```
    /// use redset::core::Command;
    /// assert!(Command::new("ZCARD").arg("jobs").is_read_only());
    /// assert!(!Command::new("ZPOPMIN").arg("jobs").is_read_only());
    /// ```
    pub fn is_read_only(&self) -> bool {
        matches!(
            self.name(),
            "ZCARD" | "ZCOUNT" | "ZRANGE" | "ZRANGEBYSCORE" | "ZSCORE" | "TIME"
        )
    }

    /// Where the command's first key is among its arguments (the name is 0), for a
    /// cluster client that routes by a key it is given (node-redis `createCluster`):
    /// after `numkeys` for a script call or `BZMPOP`, none for `TIME` or a script call
    /// without keys, else the argument after the name.
    ///
    /// ```
    /// use redset::core::Command;
    /// assert_eq!(Command::new("ZCARD").arg("jobs").first_key_index(), Some(1));
    /// let call = Command::new("EVALSHA").arg("sha").arg("1").arg("jobs").arg("now");
    /// assert_eq!(call.first_key_index(), Some(3));
    /// assert_eq!(Command::new("TIME").first_key_index(), None);
    /// ```
    pub fn first_key_index(&self) -> Option<usize> {
        match self.name() {
            "TIME" | "WAIT" => None,
            "EVALSHA" | "EVAL" => {
                let keys = self.args.get(2)?;
                (keys.as_slice() != b"0").then_some(3)
            }
            "BZMPOP" => Some(3),
            _ => (self.args.len() > 1).then_some(1),
        }
    }

    /// Whether the command blocks in Redis (`BZPOPMIN`, `BZMPOP`: a wait's): a driver
    /// sends it on a connection of its own and allows its reply the block's time.
    ///
    /// ```
    /// use redset::core::Command;
    /// assert!(Command::new("BZPOPMIN").arg("jobs").arg("1.000").is_blocking());
    /// assert!(!Command::new("ZPOPMIN").arg("jobs").is_blocking());
    /// ```
    pub fn is_blocking(&self) -> bool {
        matches!(self.name(), "BZPOPMIN" | "BZMPOP")
    }

    /// The command encoded as a RESP array of bulk strings, as it goes on the wire.
    pub fn to_resp(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_resp(&mut out);
        out
    }

    /// Appends the command to `out` as [`to_resp`](Self::to_resp) gives it: a driver that
    /// sends bytes (the sync driver) writes each command once, where building its client's
    /// command value and encoding that would copy every argument twice.
    ///
    /// ```
    /// use redset::core::Command;
    /// let mut out = b"*1\r\n$4\r\nPING\r\n".to_vec();
    /// Command::new("ZCARD").arg("jobs").write_resp(&mut out);
    /// assert_eq!(out, b"*1\r\n$4\r\nPING\r\n*2\r\n$5\r\nZCARD\r\n$4\r\njobs\r\n");
    /// ```
    pub fn write_resp(&self, out: &mut Vec<u8>) {
        // Each header is at most 1 + 20 digits + 2 bytes.
        let headers = 23 * (self.args.len() + 1);
        out.reserve(headers + self.args.iter().map(|arg| arg.len() + 2).sum::<usize>());
        let mut digits = itoa::Buffer::new();
        out.push(b'*');
        out.extend_from_slice(digits.format(self.args.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        for arg in &self.args {
            out.push(b'$');
            out.extend_from_slice(digits.format(arg.len()).as_bytes());
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for arg in &self.args {
            list.entry(&String::from_utf8_lossy(arg));
        }
        list.finish()
    }
}

/// One command argument as bytes. Built from strings, byte slices, integers and scores.
///
/// ```
/// use redset::core::Arg;
/// assert_eq!(Arg::from(1.5).0, b"1.5");
/// assert_eq!(Arg::from(f64::NEG_INFINITY).0, b"-inf");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg(pub Vec<u8>);

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg(s.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Arg {
    fn from(b: &[u8]) -> Self {
        Arg(b.to_vec())
    }
}

impl From<Vec<u8>> for Arg {
    fn from(b: Vec<u8>) -> Self {
        Arg(b)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg(n.to_string().into_bytes())
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg(n.to_string().into_bytes())
    }
}

/// A position or count as Redis parses it: past `i64::MAX` (possible only with a 64-bit
/// `usize`) it is clamped there, where nothing more can be anyway.
pub(crate) fn redis_index(n: usize) -> u64 {
    (n as u64).min(i64::MAX as u64)
}

/// Scores are written in Rust's shortest round-trip form, which Redis parses exactly;
/// infinities are spelled `inf`/`-inf` as Redis expects. NaN never gets here: the core
/// rejects it before building a command.
impl From<f64> for Arg {
    fn from(score: f64) -> Self {
        Arg(format_score(score).into_bytes())
    }
}

pub(crate) fn format_score(score: f64) -> String {
    if score == f64::INFINITY {
        "inf".to_owned()
    } else if score == f64::NEG_INFINITY {
        "-inf".to_owned()
    } else if score.fract() == 0.0
        && score.abs() < MAX_EXACT
        && !(score == 0.0 && score.is_sign_negative())
    {
        // A whole score (not -0) written as the integer it is: the same text as f64's
        // Display, at a fraction of its cost (an add's score; issue 20).
        (score as i64).to_string()
    } else {
        score.to_string()
    }
}

/// 2^53: every whole number below it in magnitude is an f64 exactly.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_written_as_f64_display_writes_them() {
        for score in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            1.5,
            -2.5,
            1e15,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            -9_007_199_254_740_993.0,
            1e21,
            1e-7,
            1_700_000_000.123_456,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(format_score(score), score.to_string(), "{score:?}");
        }
        assert_eq!(format_score(f64::INFINITY), "inf");
        assert_eq!(format_score(f64::NEG_INFINITY), "-inf");
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_finite_score_is_written_as_display_writes_it(score in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            proptest::prop_assert_eq!(format_score(score), score.to_string());
        }

        #[test]
        fn whole_scores_are_written_as_display_writes_them(n in -(1i64 << 54)..(1i64 << 54)) {
            let score = n as f64;
            proptest::prop_assert_eq!(format_score(score), score.to_string());
        }
    }
}
