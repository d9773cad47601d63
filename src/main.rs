//! The `tinkhac` binary: parse the command line, start logging, run.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tinkhac::malloc::tune();
    // Usage errors exit with 2, like configuration errors.
    let cli = match tinkhac::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if matches!(cli.command, tinkhac::cli::Command::Demo { .. }) {
        tinkhac::init_tracing_with("warn");
    } else {
        tinkhac::init_tracing();
    }
    tinkhac::cli::run(cli)
}
