//! A set of any kind, read and changed through the crate's public API: the operator's
//! reads and writes that every subcommand (and later the dashboard) goes through.
//!
//! Items are read as bytes ([`redset::Bytes`]): the CLI does not know a set's
//! serializer, and shows what is stored.

use redset::aio::{ScheduledSet, SortedSet, TimeSortedSet};
use redset::core::{Kind, LeasePolicy};
use redset::{Bytes, DeadLetter, Entry, GroupStats, InFlight, Recovered, Stats};

use crate::connect::{Conn, Redis};
use crate::exit::Failure;
use crate::kind::{self, KindSource, Kinds, KnownKind};

/// One set, typed by its kind at run time.
enum Typed {
    Sorted(SortedSet<Conn, Bytes>),
    TimeSorted(TimeSortedSet<Conn, Bytes>),
    Scheduled(ScheduledSet<Conn, Bytes>),
}

/// Runs `$body` with `$set` bound to the set, whatever its kind.
macro_rules! on_set {
    ($typed:expr, $set:ident => $body:expr) => {
        match $typed {
            Typed::Sorted($set) => $body,
            Typed::TimeSorted($set) => $body,
            Typed::Scheduled($set) => $body,
        }
    };
}

/// A set as the operator sees it: its name, its kind and how that is known.
pub struct OpSet {
    kind: KnownKind,
    typed: Typed,
}

impl OpSet {
    /// The set `name`, of the kind `--kind` gives it or that its scores tell.
    pub async fn open(redis: &Redis, kinds: &Kinds, name: &str) -> Result<OpSet, Failure> {
        let conn = redis.conn().await?;
        let kind = match kinds.named(name) {
            Some(kind) => KnownKind {
                kind,
                source: KindSource::Flag,
            },
            None => Self::tell_kind(conn.clone(), name).await?,
        };
        Ok(OpSet::of_kind(conn, name, kind))
    }

    /// The set `name`, read as `kind`.
    pub fn of_kind(conn: Conn, name: &str, kind: KnownKind) -> OpSet {
        let typed = match kind.kind {
            Kind::Sorted => Typed::Sorted(SortedSet::new(conn, name).serializer(Bytes)),
            Kind::TimeSorted => Typed::TimeSorted(TimeSortedSet::new(conn, name).serializer(Bytes)),
            Kind::Scheduled => Typed::Scheduled(ScheduledSet::new(conn, name).serializer(Bytes)),
        };
        OpSet { kind, typed }
    }

    /// Tells the kind from the lowest and highest score (three reads).
    async fn tell_kind(conn: Conn, name: &str) -> Result<KnownKind, Failure> {
        // As a sorted set every item is eligible, so positions run over all of them.
        let all = SortedSet::new(conn, name).serializer(Bytes);
        let len = all.len().await?;
        if len == 0 {
            return Ok(kind::tell(None, unix_now()));
        }
        let score_at = |position| {
            let all = &all;
            async move {
                let entries = all.peek_items(position, 1).await?;
                Ok::<_, redset::Error>(entries.first().map(|e| e.score))
            }
        };
        let lowest = score_at(0).await?;
        let highest = score_at(usize::try_from(len.saturating_sub(1)).unwrap_or(0)).await?;
        Ok(kind::tell(lowest.zip(highest), unix_now()))
    }

    /// The set's name.
    pub fn name(&self) -> &str {
        on_set!(&self.typed, set => set.name())
    }

    /// Its kind and how that is known.
    pub fn kind(&self) -> KnownKind {
        self.kind
    }

    /// The same set, its kind kept, read as a sorted set: every item eligible, due or
    /// not.
    pub fn every_item(&self, conn: Conn) -> OpSet {
        let sorted = KnownKind {
            kind: Kind::Sorted,
            source: self.kind.source,
        };
        OpSet {
            kind: self.kind,
            ..OpSet::of_kind(conn, self.name(), sorted)
        }
    }

    /// The set, its writes (a requeue, a recover) counted in the server-side counters
    /// if the set already counts, so that an operator's changes are in its totals too.
    pub async fn counting_as_it_does(self) -> Result<OpSet, Failure> {
        let counts = self.stats().await?.counters.is_some();
        Ok(self.configure(
            |set| set.metrics(counts),
            |set| set.metrics(counts),
            |set| set.metrics(counts),
        ))
    }

    /// The set as its consumers run it, for an operator's `recover`: its writes counted
    /// if it counts, and expired items sent to the dead letters after `max_deliveries`
    /// deliveries if given, else after the maximum its consumers' last claim applied
    /// (each claim keeps its own with the set), else the library's default. One read;
    /// gives the maximum used and where it came from.
    pub async fn recovering_as_its_consumers(
        self,
        max_deliveries: Option<u32>,
    ) -> Result<(OpSet, u32, PolicyFrom), Failure> {
        let stats = self.stats().await?;
        let (max, from) = match (max_deliveries, stats.max_deliveries) {
            (Some(max), _) => (max, PolicyFrom::Flag),
            (None, Some(max)) => (max, PolicyFrom::Consumers),
            (None, None) => (LeasePolicy::default().max_deliveries, PolicyFrom::Default),
        };
        let counts = stats.counters.is_some();
        let set = self.configure(
            |set| set.max_deliveries(max).metrics(counts),
            |set| set.max_deliveries(max).metrics(counts),
            |set| set.max_deliveries(max).metrics(counts),
        );
        Ok((set, max, from))
    }

    /// The set with a setting applied, whatever its kind (one function per kind, as
    /// each is its own type).
    fn configure(
        self,
        sorted: impl FnOnce(SortedSet<Conn, Bytes>) -> SortedSet<Conn, Bytes>,
        time_sorted: impl FnOnce(TimeSortedSet<Conn, Bytes>) -> TimeSortedSet<Conn, Bytes>,
        scheduled: impl FnOnce(ScheduledSet<Conn, Bytes>) -> ScheduledSet<Conn, Bytes>,
    ) -> OpSet {
        let typed = match self.typed {
            Typed::Sorted(set) => Typed::Sorted(sorted(set)),
            Typed::TimeSorted(set) => Typed::TimeSorted(time_sorted(set)),
            Typed::Scheduled(set) => Typed::Scheduled(scheduled(set)),
        };
        OpSet { typed, ..self }
    }

    /// Waiting, due, in flight, dead and the oldest due age, in one round trip.
    pub async fn stats(&self) -> redset::Result<Stats> {
        on_set!(&self.typed, set => set.stats().await)
    }

    /// Up to `count` eligible items from `position` on, in order, with their scores.
    pub async fn peek(&self, position: usize, count: usize) -> redset::Result<Vec<Entry<Vec<u8>>>> {
        on_set!(&self.typed, set => set.peek_items(position, count).await)
    }

    /// The leases in flight, earliest deadline first (at most `limit`).
    pub async fn in_flight(&self, limit: usize) -> redset::Result<Vec<InFlight<Vec<u8>>>> {
        on_set!(&self.typed, set => set.in_flight_items(limit).await)
    }

    /// The dead letters, oldest first (at most [`redset::core::MAX_DEAD_LISTED`]).
    pub async fn dead_letters(&self) -> redset::Result<Vec<DeadLetter<Vec<u8>>>> {
        on_set!(&self.typed, set => set.dead_letters().await)
    }

    /// Puts the dead letters with these members back into the set; gives how many
    /// were still dead.
    pub async fn requeue(&self, members: &[Vec<u8>]) -> redset::Result<u64> {
        let letters: Vec<DeadLetter<Vec<u8>>> = members
            .iter()
            .map(|m| DeadLetter::from_member(m.clone()).map(|()| Vec::new()))
            .collect();
        on_set!(&self.typed, set => set.requeue_dead(&letters).await)
    }

    /// Deletes every dead letter; gives how many there were.
    pub async fn purge(&self) -> redset::Result<u64> {
        on_set!(&self.typed, set => set.purge_dead().await)
    }

    /// Returns every expired lease to the set (or the dead letters).
    pub async fn recover(&self) -> redset::Result<Recovered> {
        on_set!(&self.typed, set => set.recover().await)
    }

    /// Pauses the set: every consumer's claims (and a flow-controlled set's pops) hand
    /// out nothing until [`resume`](Self::resume).
    pub async fn pause(&self) -> redset::Result<()> {
        on_set!(&self.typed, set => set.pause().await)
    }

    /// Resumes a paused set, waking the consumers waiting on it.
    pub async fn resume(&self) -> redset::Result<()> {
        on_set!(&self.typed, set => set.resume().await)
    }

    /// The counts of up to `limit` groups of a grouped set (none for another set).
    pub async fn groups(&self, limit: usize) -> redset::Result<Vec<GroupStats>> {
        on_set!(&self.typed, set => set.groups(limit).await)
    }
}

/// This machine's time in UNIX seconds: what a set reads "now" as by default.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Where the maximum deliveries of an operator's `recover` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFrom {
    /// The command line (`--max-deliveries`).
    Flag,
    /// The set's consumers: their last claim kept it with the set.
    Consumers,
    /// The library's default: no claim has kept one yet.
    Default,
}

/// A set's counts as one read found them, or why they could not be read.
pub struct Reading {
    /// The set's name.
    pub name: String,
    /// Its kind and counts.
    pub result: Result<(KnownKind, Stats), Failure>,
}

/// Reads every set named, all at once.
pub async fn read_all(redis: &Redis, kinds: &Kinds, names: &[String]) -> Vec<Reading> {
    let reads = names.iter().map(|name| async move {
        let result = async {
            let set = OpSet::open(redis, kinds, name).await?;
            Ok((set.kind(), set.stats().await?))
        };
        Reading {
            name: name.clone(),
            result: result.await,
        }
    });
    futures_util::future::join_all(reads).await
}
