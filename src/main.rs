//! The `paydrill` binary: parse the command line and hand over to the library, which does the
//! work ([`paydrill::cli`] turns flags into options for the drivers).

fn main() {
    std::process::exit(paydrill::cli::main());
}
