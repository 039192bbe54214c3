use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cxsim::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                cxsim::cli::exit::USAGE
            } else {
                cxsim::cli::exit::OK
            });
        }
    };
    ExitCode::from(cxsim::cli::main_with(cli))
}
