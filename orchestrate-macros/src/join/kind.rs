//! What tells the four joins apart, in one place: their names, the options
//! they take, the constructor each branch goes through and which of its types
//! must agree across branches.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Parallel,
    Settled,
    Race,
    FirstOk,
}

impl Kind {
    /// The macro's name, as the user writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Parallel => "parallel",
            Kind::Settled => "settled",
            Kind::Race => "race",
            Kind::FirstOk => "first_ok",
        }
    }

    /// The name of the struct made for a call (prefixed in the expansion).
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Kind::Parallel => "Parallel",
            Kind::Settled => "Settled",
            Kind::Race => "Race",
            Kind::FirstOk => "FirstOk",
        }
    }

    /// The `__private` fn that checks a branch and returns it with the
    /// witnesses of its value and error types.
    pub(crate) fn constructor(self) -> &'static str {
        match self {
            Kind::Parallel => "parallel_branch",
            Kind::Settled => "settled_branch",
            Kind::Race => "race_branch",
            Kind::FirstOk => "first_ok_branch",
        }
    }

    /// The check that every branch's value (or output) has the first one's
    /// type, if the kind has one.
    pub(crate) fn same_value(self) -> Option<&'static str> {
        match self {
            Kind::Race => Some("same_output"),
            Kind::FirstOk => Some("same_ok"),
            Kind::Parallel | Kind::Settled => None,
        }
    }

    /// Whether every branch's error converts into one type: also the kinds
    /// that take `error = Type`.
    pub(crate) fn joins_errors(self) -> bool {
        matches!(self, Kind::Parallel | Kind::FirstOk)
    }

    /// Why `error = …` means nothing here (for the kinds that refuse it).
    pub(crate) fn why_no_error_target(self) -> &'static str {
        match self {
            Kind::Settled => "it keeps every branch's own output, errors included",
            _ => "every branch already shares one output type",
        }
    }

    /// The options the macro takes, as a sentence's tail.
    pub(crate) fn options(self) -> &'static str {
        if self.joins_errors() {
            "`error = Type` (every branch's error converts into it) and `timeout = Duration` (a limit on each branch)"
        } else {
            "`timeout = Duration` (a limit on each branch)"
        }
    }

    /// Branches for the examples in messages.
    pub(crate) fn example(self) -> &'static str {
        match self {
            Kind::Race => "primary(), replica()",
            Kind::FirstOk => "mirror_a(), mirror_b()",
            Kind::Parallel | Kind::Settled => "fetch_user(), fetch_posts()",
        }
    }
}
