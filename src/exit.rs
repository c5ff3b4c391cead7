//! Exit codes, the contract CI gates on: 0 all held · 1 an invariant, expectation or SLO
//! failed · 2 bad usage or bad input file · 3 the target or a fake could not be reached or
//! started · 130 interrupted by SIGINT (Ctrl-C) · 143 stopped by SIGTERM (after either, the
//! reports are still written, marked partial).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Held = 0,
    Failed = 1,
    BadInput = 2,
    Unreachable = 3,
    Interrupted = 130,
    Terminated = 143,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// An error that ends the command, with the exit code it deserves and a message that says
/// what to fix.
#[derive(Debug)]
pub struct Fatal {
    pub exit: Exit,
    pub message: String,
}

impl Fatal {
    pub fn bad_input(message: impl fmt::Display) -> Self {
        Fatal { exit: Exit::BadInput, message: message.to_string() }
    }

    pub fn unreachable(message: impl fmt::Display) -> Self {
        Fatal { exit: Exit::Unreachable, message: message.to_string() }
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fatal {}

/// What a command ends with: an exit code, or the error that stopped it.
pub type CommandResult = Result<Exit, Fatal>;

impl From<crate::input::InputError> for Fatal {
    fn from(e: crate::input::InputError) -> Self {
        Fatal::bad_input(e)
    }
}
