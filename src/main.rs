//! The `sgd-stability` command: a thin shell over [`sgd_stability::cli::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = sgd_stability::cli::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        // Not locked: progress bars draw on stderr from their own threads.
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}
