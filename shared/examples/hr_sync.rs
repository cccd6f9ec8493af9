//! Keeps Roster's users in step with an HR export: every employee of the file is created or
//! updated, and every user with an external id that the file no longer has is suspended.
//!
//! ```sh
//! ROSTER_TOKEN=roster_… cargo run -p roster-shared --features client --example hr_sync -- \
//!     --url http://127.0.0.1:3000 employees.csv
//! ```
//!
//! `--url` and `--token` may also come from `ROSTER_URL` and `ROSTER_TOKEN` (better for the
//! token: the command line is visible to other users of the machine). `--user-type` (default
//! `agent`) is the type new users get; an existing user of another type is refused
//! (`user_type: immutable`) and listed as a failure. The token needs `users.read`,
//! `users.create`, `users.update` and `users.suspend`.
//!
//! The file has the header `external_id,first_name,last_name,email,username,department` and one
//! employee a line, read by `split(',')` (no quoted cells). Each batch of up to 1,000 employees
//! is sent once with an idempotency key made from the file's content: running again with the
//! same file within a day (after a timeout, say) gets the first answers back instead of
//! writing twice.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Duration;

use roster_shared::client::{Client, Error, TryStreamExt, upsert_operation};
use roster_shared::directory::UserQuery;
use roster_shared::sync::{BatchAnswer, MAX_BATCH, Operation, Outcome, UserUpsert};
use roster_shared::user_patch::UserPatch;
use roster_shared::{ErrorCode, UserStatus};

const HEADER: &str = "external_id,first_name,last_name,email,username,department";

fn main() -> ExitCode {
    let run = || -> Result<Summary, Box<dyn std::error::Error>> {
        let options = Options::read(std::env::args().skip(1))?;
        let csv =
            std::fs::read_to_string(&options.file).map_err(|e| format!("{}: {e}", options.file))?;
        let file = read_csv(&csv, &options.user_type)?;
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        Ok(runtime.block_on(sync(&options, &file, fingerprint(&csv)))?)
    };
    match run() {
        Ok(summary) => {
            summary.print();
            if summary.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(error) => {
            eprintln!("hr_sync: {error}");
            ExitCode::from(2)
        }
    }
}

/// The command line, with `ROSTER_URL` and `ROSTER_TOKEN` as fallbacks.
struct Options {
    url: String,
    token: String,
    user_type: String,
    file: String,
}

impl Options {
    fn read(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let (mut url, mut token) =
            (std::env::var("ROSTER_URL").ok(), std::env::var("ROSTER_TOKEN").ok());
        let (mut user_type, mut file) = ("agent".to_owned(), None);
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--url" => url = Some(value()?),
                "--token" => token = Some(value()?),
                "--user-type" => user_type = value()?,
                _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
                _ => file = Some(arg),
            }
        }
        let usage = "usage: hr_sync --url URL --token TOKEN [--user-type TYPE] employees.csv";
        Ok(Self {
            url: url.ok_or(usage)?,
            token: token.ok_or(usage)?,
            user_type,
            file: file.ok_or(usage)?,
        })
    }
}

/// The employees of a file, and the lines that could not be read.
struct File {
    employees: Vec<(String, UserUpsert)>,
    /// Every external id the file names, lower-cased (the server ignores case), unreadable
    /// lines included: a line with a typo must not get its employee suspended.
    named: HashSet<String>,
    problems: Vec<String>,
}

fn read_csv(csv: &str, user_type: &str) -> Result<File, String> {
    let mut lines = csv.lines().enumerate().filter(|(_, line)| !line.trim().is_empty());
    match lines.next() {
        Some((_, header)) if header.trim().trim_start_matches('\u{feff}') == HEADER => {}
        _ => return Err(format!("the file must start with the header {HEADER}")),
    }
    let mut file = File { employees: Vec::new(), named: HashSet::new(), problems: Vec::new() };
    for (index, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        file.named.extend(cells.first().map(|id| id.to_lowercase()));
        let [external_id, first_name, last_name, email, username, department] = cells[..] else {
            let found = cells.len();
            file.problems.push(format!("line {}: {found} cells, expected 6", index + 1));
            continue;
        };
        let fields = UserPatch {
            first_name: Some(first_name.to_owned()),
            last_name: Some(last_name.to_owned()),
            email: Some(email.to_owned()),
            username: Some(username.to_owned()),
            // An empty cell clears the department.
            department: Some(Some(department.to_owned()).filter(|d| !d.is_empty())),
            ..UserPatch::default()
        };
        let upsert =
            UserUpsert { fields, user_type: Some(user_type.to_owned()), ..UserUpsert::default() };
        file.employees.push((external_id.to_owned(), upsert));
    }
    if file.employees.is_empty() {
        // An empty export would otherwise suspend everyone.
        return Err("the file has no employees; nothing is changed".into());
    }
    Ok(file)
}

/// Upserts the file's employees, then suspends the users it no longer names.
async fn sync(options: &Options, file: &File, content: u64) -> Result<Summary, Error> {
    let roster = Client::with_token(&options.url, &options.token)?;
    let mut summary = Summary { failures: file.problems.clone(), ..Summary::default() };
    let mut synced = HashSet::new();
    for (n, chunk) in file.employees.chunks(MAX_BATCH).enumerate() {
        let items: Vec<Operation> =
            chunk.iter().map(|(id, user)| upsert_operation(id, user, None)).collect();
        let key = format!("hr-sync-{content:016x}-{n}");
        let answer = patiently(async || roster.batch(&items, Some(&key)).await).await?;
        synced.extend(answer.results.iter().filter_map(|r| r.id));
        summary.count(&answer, false);
    }

    // The directory's rows do not carry external ids: read the active users the file did not
    // just sync (the console's own users, and the leavers) one by one.
    let query = UserQuery { limit: Some(200), ..UserQuery::default() };
    let rows: Vec<_> = roster.all_users(query).try_collect().await?;
    let mut leavers = Vec::new();
    for row in rows.iter().filter(|r| r.status == UserStatus::Active && !synced.contains(&r.id)) {
        let user = patiently(async || roster.user(row.id).await).await?;
        match user.external_id {
            Some(id) if !file.named.contains(&id.to_lowercase()) => {
                leavers.push(Operation::Suspend { external_id: id });
            }
            _ => {}
        }
    }
    for chunk in leavers.chunks(MAX_BATCH) {
        let names: Vec<&str> = chunk.iter().map(Operation::external_id).collect();
        let key = format!("hr-sync-suspend-{:016x}", fingerprint(&names.join("\n")));
        let answer = patiently(async || roster.batch(chunk, Some(&key)).await).await?;
        summary.count(&answer, true);
    }
    Ok(summary)
}

/// `call`, again after the wait a 429 asks for (a few times at most).
async fn patiently<T>(mut call: impl AsyncFnMut() -> Result<T, Error>) -> Result<T, Error> {
    for _ in 0..5 {
        match call().await {
            Err(error) if error.code() == Some(ErrorCode::Throttled) => {
                let seconds = error.retry_after().unwrap_or(1);
                tokio::time::sleep(Duration::from_secs(seconds)).await;
            }
            answer => return answer,
        }
    }
    call().await
}

/// FNV-1a: the same text gives the same key on every machine and with every Rust version
/// (unlike `DefaultHasher`), which is what an idempotency key needs.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Default)]
struct Summary {
    created: usize,
    updated: usize,
    unchanged: usize,
    suspended: usize,
    failures: Vec<String>,
}

impl Summary {
    /// Adds a batch's results: upserts, or suspensions (whose outcome is `updated` when the
    /// user was active).
    fn count(&mut self, answer: &BatchAnswer, suspensions: bool) {
        for result in &answer.results {
            let who = result.external_id.as_deref().unwrap_or("?");
            match (&result.error, result.outcome) {
                (Some(error), _) => {
                    let fields: Vec<String> = error
                        .fields
                        .iter()
                        .map(|(f, codes)| format!("{f}: {}", codes.join(", ")))
                        .collect();
                    self.failures.push(format!(
                        "{who}: {} {} {}",
                        result.status,
                        error.message,
                        fields.join("; ")
                    ));
                }
                (None, Some(Outcome::Created)) => self.created += 1,
                (None, Some(Outcome::Updated)) if suspensions => self.suspended += 1,
                (None, Some(Outcome::Updated)) => self.updated += 1,
                (None, _) => self.unchanged += 1,
            }
        }
    }

    fn print(&self) {
        println!(
            "created {}, updated {}, unchanged {}, suspended {}, failed {}",
            self.created,
            self.updated,
            self.unchanged,
            self.suspended,
            self.failures.len()
        );
        for failure in &self.failures {
            println!("  {failure}");
        }
    }
}
