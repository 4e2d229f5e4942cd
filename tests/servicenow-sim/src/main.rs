//! `servicenow-sim`: run the simulated ServiceNow instance on 127.0.0.1, and
//! with `--microsoft-port` the simulated Microsoft identity platform and Graph
//! Secure Score beside it. Prints `SIM_BASE_URL=...` first (for scripts), then
//! the accounts and the OAuth app; with Microsoft, `MS_BASE_URL=...`, the
//! tenant, the app registration and its accounts. Serves until Ctrl-C or SIGTERM.

use clap::Parser;
use servicenow_sim::microsoft;
use servicenow_sim::{Scenario, Seed, SimConfig};
use std::time::Duration;

fn scenario_help() -> String {
    let mut s = String::from("Scenarios (--scenario NAME, repeatable):\n");
    for (name, text) in Scenario::catalog() {
        s.push_str(&format!("  {name:<32} {text}\n"));
    }
    s
}

#[derive(Parser, Debug)]
#[command(name = "servicenow-sim", version, about = "A simulated ServiceNow instance (OAuth + Table API) on 127.0.0.1, and optionally Microsoft sign-in + Graph Secure Score", after_help = scenario_help())]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Seed data: empty or demo.
    #[arg(long, default_value = "demo")]
    seed: Seed,
    /// A scenario to turn on (see the list below).
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<Scenario>,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 1800)]
    access_token_lifetime: u64,
    /// Refresh token lifetime in seconds.
    #[arg(long, default_value_t = 8_640_000)]
    refresh_token_lifetime: u64,
    /// Base URL used in reference links and Location headers (default: the served URL).
    #[arg(long)]
    public_url: Option<String>,
    /// Also start the Microsoft identity platform + Graph Secure Score simulator
    /// on this port of 127.0.0.1 (0 = any free port; absent = do not start it).
    #[arg(long, value_name = "N")]
    microsoft_port: Option<u16>,
    /// With --microsoft-port: write the demo tenant's Secure Score as the portal exports it
    /// (the CSV of Recommended actions > Export) to this file, for the app's import.
    #[arg(long, value_name = "PATH", requires = "microsoft_port")]
    microsoft_export: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let config = SimConfig {
        port: args.port,
        seed: args.seed,
        scenarios: args.scenarios,
        access_token_lifetime: Duration::from_secs(args.access_token_lifetime),
        refresh_token_lifetime: Duration::from_secs(args.refresh_token_lifetime),
        public_url: args.public_url,
        ..SimConfig::default()
    };
    let sim = servicenow_sim::start(config).await?;
    let microsoft = match args.microsoft_port {
        Some(port) => Some(
            microsoft::start(microsoft::MsConfig {
                port,
                ..microsoft::MsConfig::default()
            })
            .await?,
        ),
        None => None,
    };
    let url = sim.base_url();
    let handle = sim.handle();
    println!("SIM_BASE_URL={url}");
    println!("ServiceNow simulator listening on {url}");
    println!();
    println!("Accounts (password for all: {}):", servicenow_sim::PASSWORD);
    for (user, role) in [
        (servicenow_sim::ADMIN, "System Administrator"),
        (
            servicenow_sim::INTEGRATION_USER,
            "Ticket Bridge Integration (connect as this one)",
        ),
        (
            servicenow_sim::PERSONAL_USER,
            "Jane Doe, a personal account (also the SSO identity)",
        ),
        (servicenow_sim::FULFILLER, "Beth Agent, a fulfiller"),
    ] {
        println!("  {user:<20} {role}");
    }
    println!();
    println!("OAuth app \"{}\":", servicenow_sim::OAUTH_APP_NAME);
    println!("  client id      {}", servicenow_sim::CLIENT_ID);
    println!("  client secret  {}", servicenow_sim::CLIENT_SECRET);
    println!("  redirect URL   {}", servicenow_sim::REDIRECT_URL);
    println!("  authorize      {url}/oauth_auth.do");
    println!("  token          {url}/oauth_token.do");
    let scenarios = handle.scenarios();
    if !scenarios.is_empty() {
        let names: Vec<String> = scenarios.iter().map(ToString::to_string).collect();
        println!();
        println!("Scenarios: {}", names.join(", "));
    }
    if let Some(id) = handle.moving_ticket() {
        println!();
        println!("Demo: incident {id} changes state every minute.");
    }
    if let Some(ms) = &microsoft {
        print_microsoft(ms);
        if let Some(path) = &args.microsoft_export {
            std::fs::write(path, ms.handle().portal_export_csv())?;
            println!("  portal export  {}", path.display());
        }
    }
    println!();
    println!("Press Ctrl-C to stop.");
    servicenow_sim::wait_for_stop().await;
    sim.shutdown().await;
    if let Some(ms) = microsoft {
        ms.shutdown().await;
    }
    Ok(())
}

fn print_microsoft(ms: &microsoft::RunningMicrosoft) {
    let url = ms.base_url();
    let handle = ms.handle();
    println!();
    println!("MS_BASE_URL={url}");
    println!("Microsoft identity + Graph Secure Score simulator listening on {url}");
    println!("  (use it as the sign-in authority and as the Graph endpoint)");
    println!("  tenant id      {}", microsoft::MS_TENANT_ID);
    println!("  tenant domain  {}", microsoft::MS_TENANT_DOMAIN);
    println!();
    println!(
        "App registration \"{}\" (public client, Mobile and desktop applications):",
        microsoft::MS_APP_NAME
    );
    println!("  client id      {}", microsoft::MS_CLIENT_ID);
    println!("  redirect URI   {} (any port)", microsoft::MS_REDIRECT_URI);
    println!("  scope          {}", microsoft::MS_SCOPE);
    println!(
        "  authorize      {url}/{}/oauth2/v2.0/authorize",
        microsoft::MS_TENANT_ID
    );
    println!(
        "  token          {url}/{}/oauth2/v2.0/token",
        microsoft::MS_TENANT_ID
    );
    println!(
        "  admin consent  {url}/{}/adminconsent?client_id={}",
        microsoft::MS_TENANT_ID,
        microsoft::MS_CLIENT_ID
    );
    println!();
    println!("Accounts (password for all: {}):", microsoft::MS_PASSWORD);
    for (user, role) in [
        (
            microsoft::MS_ADMIN,
            format!(
                "{}, Global Administrator (can grant admin consent)",
                microsoft::MS_ADMIN_NAME
            ),
        ),
        (
            microsoft::MS_READER,
            format!(
                "{}, Security Reader (cannot consent)",
                microsoft::MS_READER_NAME
            ),
        ),
        (
            microsoft::MS_NO_ROLE,
            format!(
                "{}, no role (Graph answers 403)",
                microsoft::MS_NO_ROLE_NAME
            ),
        ),
    ] {
        println!("  {user:<32} {role}");
    }
    println!();
    println!(
        "Secure Score: {} control profiles, {} daily snapshots.",
        handle.profiles().len(),
        handle.snapshot_count()
    );
}
