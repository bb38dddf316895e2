//! Prints the public view of a site configuration, byte for byte what
//! `GET /v1/sites/{site}/config` answers for it (the collector serves
//! `serde_json::to_string(&config.public())` of the stored configuration).
//! `scripts/size.sh` measures the widget's configuration response with it.
//!
//! Usage: cargo run -q -p touchpoint-core --example public_config -- CONFIG.json

use std::process::ExitCode;

use touchpoint_core::SiteConfig;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: public_config CONFIG.json");
        return ExitCode::FAILURE;
    };
    let config = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str::<SiteConfig>(&text).map_err(|e| e.to_string()))
    {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(errors) = config.validate() {
        for e in errors {
            eprintln!("{path}: {}: {}", e.field, e.message);
        }
        return ExitCode::FAILURE;
    }
    match serde_json::to_string(&config.public()) {
        Ok(json) => {
            print!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}
