//! One definition, two transports: each capability's methods are written once, as the
//! core operation they run, and this macro makes the synchronous method (`&mut self`,
//! on [`Synchronous`](super::Synchronous)) and the tokio one (`async`, `&self`, on
//! `Async`) from it — as redis-rs makes its `Commands` and `AsyncCommands` from one
//! list. The drive loop behind both is [`Drive`](super::drive::Drive).
//!
//! Each entry is `fn name[generics](args) -> Output [where bounds] = runner |core, now|
//! operation;` where the operation is a `Result` of a core [`Operation`](crate::core::
//! Operation), `core` the set's [`SetCore`](crate::core::SetCore) and `now` this
//! machine's clock; `runner` is `run`, or `run_wait` for a wait (which blocks on a
//! connection of its own), or `run_prepared(which => Variant)` for an operation the
//! core may prepare (see [`prepared`](super::prepared)). The rustdoc, with its example,
//! is the sync method's; the async one links to it. Each call runs in its span (see
//! [`trace`](super::trace)).

/// See the module documentation.
macro_rules! methods {
    (
        $(#[$outer:meta])*
        impl[$($kind:tt)*] for $alias:ident {
            $(
                $(#[doc = $doc:expr])*
                fn $name:ident $([$($generic:tt)*])? ($($arg:ident: $ty:ty),* $(,)?) -> $out:ty
                    $(where [$($bound:tt)*])?
                    = $run:ident $(($($how:tt)*))? $(|$core:ident, $now:ident| $op:expr)?;
            )*
        }
    ) => {
        $(#[$outer])*
        impl<$($kind)*, C: redis::ConnectionLike, S: $crate::core::Serializer>
            $crate::native::RedisSet<K, $crate::native::Synchronous<C>, S>
        {
            $(
                $(#[doc = $doc])*
                pub fn $name $(<$($generic)*>)? (&mut self, $($arg: $ty),*) -> $crate::core::Result<$out>
                $(where $($bound)*)?
                {
                    let span = $crate::native::trace::op_span!($name, self.core.name());
                    let _entered = span.enter();
                    let result = $crate::native::methods::call!(
                        self, $run $(($($how)*))? $(, |$core, $now| $op)?
                    );
                    $crate::native::trace::finish(&span, &result);
                    result
                }
            )*
        }

        $(#[$outer])*
        #[cfg(feature = "tokio")]
        impl<$($kind)*, C: redis::aio::ConnectionLike + Clone, S: $crate::core::Serializer>
            $crate::native::RedisSet<K, $crate::native::aio::Async<C>, S>
        {
            $(
                #[doc = concat!(
                    "The async form of [`", stringify!($alias), "::", stringify!($name),
                    "`](crate::", stringify!($alias), "::", stringify!($name), ")."
                )]
                pub async fn $name $(<$($generic)*>)? (&self, $($arg: $ty),*) -> $crate::core::Result<$out>
                $(where $($bound)*)?
                {
                    use tracing::Instrument;
                    let span = $crate::native::trace::op_span!($name, self.core.name());
                    let call = async {
                        $crate::native::methods::call!(
                            self, $run $(($($how)*))? $(, |$core, $now| $op)?, .await
                        )
                    };
                    // With nobody listening, entering the span on each poll is work for
                    // nothing: about 4% of a prepared add's client instructions.
                    let result = if span.is_disabled() {
                        call.await
                    } else {
                        call.instrument(span.clone()).await
                    };
                    $crate::native::trace::finish(&span, &result);
                    result
                }
            )*
        }
    };
}

/// One method's call on the transport (`$($await)*` is `.await` in the async form):
/// the operation made and run by `runner`, or, for a prepared one (`runner(which =>
/// Variant)`, see [`prepared`](super::prepared)), `run_prepared` with the output's
/// `PreparedOutput::Variant` as the result and the operation made only where it runs
/// (`runner(which => Variant, for item)`: prepared for that item);
/// or `run_add(item, score)`, an add prepared by the transport.
macro_rules! call {
    ($set:ident, run_add ($item:expr, $score:expr) $(, $($await:tt)*)?) => {
        $set.transport
            .run_add($crate::native::prepared::AddRequest {
                set: (&$set.core, &$set.kept),
                item: $item,
                score: $score,
                now: $crate::native::unix_now(),
            })
            $($($await)*)?
    };
    ($set:ident, $run:ident, |$core:ident, $now:ident| $op:expr $(, $($await:tt)*)?) => {{
        let ($core, $now) = (&$set.core, $crate::native::unix_now());
        match $op {
            Ok(op) => $set.transport.$run(op) $($($await)*)?,
            Err(error) => Err(error),
        }
    }};
    (
        $set:ident, $run:ident ($which:expr => $variant:ident $(, for $item:expr)?),
        |$core:ident, $now:ident| $op:expr $(, $($await:tt)*)?
    ) => {
        match $crate::native::methods::given!($set, $which $(, $item)?) {
            Err(error) => Err(error),
            Ok(given) => $set.transport
                .$run($crate::native::prepared::Request {
                    set: (&$set.core, &$set.kept),
                    which: $which,
                    given,
                    now: $crate::native::unix_now(),
                    output: |output| match output {
                        $crate::core::PreparedOutput::$variant(result) => Some(result),
                        _ => None,
                    },
                    make: |$core: &$crate::core::SetCore<S>, $now: f64| $op,
                })
                $($($await)*)?,
        }
    };
}

/// The command a prepared operation that takes an item is prepared with for this one
/// (`Contains`, `Score`: see the core's `prepared_for`); none for the others.
macro_rules! given {
    ($set:ident, $which:expr) => {
        $crate::core::Result::Ok(None)
    };
    ($set:ident, $which:expr, $item:expr) => {
        $set.core.prepared_for($which, $item)
    };
}

pub(crate) use {call, given, methods};
