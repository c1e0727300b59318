//! The `yhdyspinta` binary: `serve`, `migrate`, `openapi`, `seed-demo`, `import-sotkanet`,
//! `create-admin`.

use std::process::ExitCode;

use yhdyspinta::config::Config;
use yhdyspinta::db::{Db, StartupError};
use yhdyspinta::server::{self, ServeOptions};
use yhdyspinta::{routes, telemetry};

const USAGE: &str = "\
Usage: yhdyspinta <command>

Commands:
  serve [--bind ADDR] [--demo]   run the API (creates and migrates the database first;
                                 --demo also loads demo data)
  migrate                        create the database if needed and apply migrations
  openapi                        print the OpenAPI document to stdout
  seed-demo                      load demo data (idempotent)
  import-sotkanet --file F [--file F ...]
                                 import THL Sotkanet downloads: indicator metadata
                                 (/indicators/{id} JSON), regions (/regions JSON) and
                                 values (/json JSON or /csv CSV)
  create-admin --email E [--name N]
                                 create a platform admin; the password is read from
                                 YHDYSPINTA_ADMIN_PASSWORD or the first line of stdin

Configuration comes from environment variables; see README.md and .env.example.";

enum Command {
    Serve(ServeOptions),
    Migrate,
    OpenApi,
    SeedDemo,
    ImportSotkanet { files: Vec<String> },
    CreateAdmin { email: String, name: String },
    Help,
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match command.as_str() {
        "serve" => {
            let mut options = ServeOptions { bind: None, demo: false };
            let mut rest = rest.iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--demo" => options.demo = true,
                    "--bind" => {
                        let addr = rest.next().ok_or("--bind needs an address, e.g. --bind 0.0.0.0:8080")?;
                        addr.parse::<std::net::SocketAddr>()
                            .map_err(|_| format!("--bind: '{addr}' is not an address:port"))?;
                        options.bind = Some(addr.clone());
                    }
                    other => return Err(format!("serve: unknown option '{other}'")),
                }
            }
            Ok(Command::Serve(options))
        }
        "create-admin" => {
            let (mut email, mut name) = (None, "Platform admin".to_owned());
            let mut rest = rest.iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--email" => email = rest.next().cloned(),
                    "--name" => name = rest.next().cloned().ok_or("--name needs a value")?,
                    other => return Err(format!("create-admin: unknown option '{other}'")),
                }
            }
            Ok(Command::CreateAdmin { email: email.ok_or("create-admin needs --email")?, name })
        }
        "import-sotkanet" => {
            let mut files = Vec::new();
            let mut rest = rest.iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--file" => files.push(rest.next().cloned().ok_or("--file needs a path")?),
                    other => return Err(format!("import-sotkanet: unknown option '{other}'")),
                }
            }
            if files.is_empty() {
                return Err("import-sotkanet needs at least one --file".into());
            }
            Ok(Command::ImportSotkanet { files })
        }
        "migrate" | "openapi" | "seed-demo" if !rest.is_empty() => Err(format!("{command} takes no options")),
        "migrate" => Ok(Command::Migrate),
        "openapi" => Ok(Command::OpenApi),
        "seed-demo" => Ok(Command::SeedDemo),
        "help" | "--help" | "-h" => Ok(Command::Help),
        other => Err(format!("unknown command '{other}'")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("yhdyspinta: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::OpenApi => {
            print!("{}", routes::openapi_json());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("yhdyspinta: {e}");
            return ExitCode::from(2);
        }
    };
    let _log_writer = telemetry::init_logging(config.log_format);
    let result = actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Serve(options) => server::serve(config, options).await,
            Command::Migrate => server::prepare_database(&config).await,
            Command::SeedDemo => {
                server::prepare_database(&config).await?;
                let keys = server::load_keys(&config).await?;
                let inserted = server::seed_demo(&Db::new(&config)?, &keys).await?;
                println!("demo data: {inserted} rows inserted");
                Ok::<(), StartupError>(())
            }
            Command::ImportSotkanet { files } => server::import_sotkanet(&config, &files).await,
            Command::CreateAdmin { email, name } => {
                let password = match std::env::var("YHDYSPINTA_ADMIN_PASSWORD") {
                    Ok(p) => p,
                    Err(_) => {
                        let mut line = String::new();
                        std::io::stdin()
                            .read_line(&mut line)
                            .map_err(|e| StartupError::new(format!("cannot read the password from stdin: {e}")))?;
                        line.trim_end_matches(['\r', '\n']).to_owned()
                    }
                };
                server::create_admin(&config, &email, &name, password).await
            }
            Command::Help | Command::OpenApi => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("yhdyspinta: {e}");
            ExitCode::FAILURE
        }
    }
}
