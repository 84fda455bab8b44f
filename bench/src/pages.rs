//! `bench pages`: the pages a member uses, signed in (a session's cookie), under wrk on
//! loopback: the member overview and the voting page as full HTML answers (the assets are
//! cached by the browser, so not fetched again), and a vote cast through the ballot's form —
//! the POST and the receipt it redirects to, counted as one vote; only the votes the ballot
//! holds afterwards count. Every member has signed in before (the server knows the names the
//! pages' header shows, as after a first page). Each page's size with its assets is reported
//! too.

use std::process::ExitCode;

use anyhow::Context as _;
use verbund_api::say;
use verbund_domain::MemberNo;

use crate::common::{Load, Scratch, Target, Tuning, median, run_wrk, run_wrk_threads, which};
use crate::votes::VotingCoop;

#[derive(Debug, clap::Args)]
pub struct PagesArgs {
    #[command(flatten)]
    target: Target,
    /// Open connections of the load generator.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Measurements per page; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Members of the cooperative, each acting through a person with a session: more than a
    /// run casts votes, so that every vote of a run is a member's first.
    #[arg(long, default_value_t = 150_000)]
    members: u32,
    #[command(flatten)]
    tuning: Tuning,
}

pub async fn pages(args: PagesArgs) -> anyhow::Result<ExitCode> {
    let wrk =
        which("wrk").context("bench pages drives the server with wrk: apt-get install wrk")?;
    let scratch = Scratch::create(&args.target).await?;
    let result = pages_on(&scratch, &args, &wrk).await;
    scratch.remove().await?;
    result
}

async fn pages_on(scratch: &Scratch, args: &PagesArgs, wrk: &str) -> anyhow::Result<ExitCode> {
    let coop =
        VotingCoop::create_with_people(args.tuning.config(&scratch.url), args.members).await?;
    let app = coop.app.clone();
    // The first member admitted in bulk (after the founders): a person acting as the member
    // themself.
    let (index, session) = coop
        .sessions
        .iter()
        .enumerate()
        .find(|(_, s)| !s.is_empty())
        .context("members with sessions")?;
    let member = MemberNo::new(u32::try_from(index)? + 1).context("a member number")?;
    let cookie = format!("verbund_session={session}");
    say!("signed in as the person of member {member}");
    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = server.local_addr()?;
    let router = verbund_api::http::router(app.clone());
    let served = tokio::spawn({
        let router = router.clone();
        async move { axum::serve(server, router).await }
    });
    let base = format!("http://{address}");
    let motion = coop.open_motion("Joint marketing, the sizes").await?;
    let overview = "/c/bench-eg/me".to_owned();
    let ballot = format!("/c/bench-eg/motions/{motion}");

    // The member's own vote, for its receipt: cast through the form, in process.
    let receipt = {
        use tower_service::Service as _;
        let request = axum::http::Request::post(format!("{ballot}/vote"))
            .header(axum::http::header::COOKIE, &cookie)
            .header(axum::http::header::ORIGIN, format!("http://{address}"))
            .header(axum::http::header::HOST, address.to_string())
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(axum::body::Body::from("choice=yes"))?;
        let response = router.clone().call(request).await?;
        response
            .headers()
            .get(axum::http::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned)
            .with_context(|| format!("the vote answered {}", response.status()))?
    };
    // Each page with its assets, as a first visit fetches them.
    let sizes = page_sizes(&router, &cookie, &[&overview, &ballot, &receipt]).await?;
    for (path, page, assets) in &sizes {
        say!(
            "  {path}: page {:.1} KB, with its assets {:.1} KB",
            *page as f64 / 1024.0,
            (page + assets) as f64 / 1024.0
        );
    }

    say!(
        "bench pages on {}: {} members, {} connections, {} s per run, {} runs, wrk with 2 threads on the same 2 cores",
        scratch.name(),
        args.members,
        args.connections,
        args.seconds,
        args.runs
    );
    // Every member has signed in before voting, as people do (sign-in shows the overview): the
    // names their pages' header shows are known to the server, as after a first page. Fewer
    // members than the server keeps names for.
    let refs: Vec<verbund_domain::PersonalRef> = {
        let runtime = app
            .coop(&coop.log)
            .await?
            .context("the cooperative's projections")?;
        runtime.views().register.read(|r| {
            r.members_after(None)
                .filter_map(|m| m.membership().person_present().cloned())
                .collect()
        })
    };
    for chunk in refs.chunks(1_000) {
        app.people(&coop.log, chunk).await?;
    }
    let header = vec!["-H".to_owned(), format!("Cookie: {cookie}")];
    let mut reads: Vec<(&str, String, Vec<Load>)> = vec![
        ("GET the member overview", overview.clone(), Vec::new()),
        ("GET the voting page", ballot.clone(), Vec::new()),
        ("GET an earlier vote's receipt", receipt.clone(), Vec::new()),
    ];
    let mut votes: Vec<(f64, Load)> = Vec::new();
    for run in 1..=args.runs {
        // The votes first: the receipts read afterwards are of a vote cast before them, as a
        // member opens a receipt later (read from the database; a receipt opened right after
        // its vote is part of the vote through the form).
        let motion = coop
            .open_motion(&format!("Joint marketing, round {run}"))
            .await?;
        let script = vote_script(&coop, &motion, &base, args.connections)?;
        let extra = vec!["-s".to_owned(), script.path().display().to_string()];
        // A thread of wrk per connection: the receipt a vote redirects to is fetched on the
        // voter's own connection, with their cookie (a script's state is its thread's).
        let load = run_wrk_threads(
            wrk,
            &base,
            &extra,
            args.connections,
            args.connections,
            args.seconds,
        )
        .await?;
        let counted = coop.votes_on(&motion).await?;
        let per_s = counted as f64 / args.seconds as f64;
        anyhow::ensure!(
            (counted as u64) < u64::from(args.members),
            "every member voted in run {run}: give more --members"
        );
        say!(
            "  run {run} vote through the form: {per_s:.0} votes/s counted ({counted} votes), requests p50 {:.2} ms, p99 {:.2} ms{}{}",
            load.p50_ms,
            load.p99_ms,
            load.cpu_text(),
            load.errors_text()
        );
        votes.push((per_s, load));
        for (name, path, loads) in reads.iter_mut() {
            let load = run_wrk(
                wrk,
                &format!("{base}{path}"),
                &header,
                args.connections,
                args.seconds,
            )
            .await?;
            say!(
                "  run {run} {name}: {:.0} pages/s, p50 {:.2} ms, p99 {:.2} ms{}{}",
                load.requests_per_s,
                load.p50_ms,
                load.p99_ms,
                load.cpu_text(),
                load.errors_text()
            );
            loads.push(load);
        }
    }
    say!("\nMedians:");
    for (name, _, loads) in &reads {
        say!(
            "  {name:<30} {:>8.0} pages/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
            median(loads.iter().map(|l| l.requests_per_s).collect()),
            median(loads.iter().map(|l| l.p50_ms).collect()),
            median(loads.iter().map(|l| l.p99_ms).collect()),
        );
    }
    say!(
        "  {:<30} {:>8.0} votes/s  p99 {:>6.2} ms per request",
        "vote through the form",
        median(votes.iter().map(|(v, _)| *v).collect()),
        median(votes.iter().map(|(_, l)| l.p99_ms).collect()),
    );
    served.abort();
    drop(coop);
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Each path's page bytes and the bytes of the assets it links (stylesheet and scripts).
async fn page_sizes(
    router: &axum::Router,
    cookie: &str,
    paths: &[&str],
) -> anyhow::Result<Vec<(String, usize, usize)>> {
    let get = |path: String| {
        let mut router = router.clone();
        let cookie = cookie.to_owned();
        async move {
            use tower_service::Service as _;
            let request = axum::http::Request::get(&path)
                .header(axum::http::header::COOKIE, cookie)
                .body(axum::body::Body::empty())?;
            let response = router.call(request).await?;
            anyhow::ensure!(
                response.status().is_success(),
                "GET {path} answered {}",
                response.status()
            );
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
            anyhow::Ok(String::from_utf8_lossy(&body).into_owned())
        }
    };
    let mut sizes = Vec::new();
    for path in paths {
        let page = get((*path).to_owned()).await?;
        let mut assets = 0;
        for link in page
            .split(['"', '\''])
            .filter(|part| part.starts_with("/assets/"))
        {
            assets += get(link.replace("&amp;", "&")).await?.len();
        }
        sizes.push(((*path).to_owned(), page.len(), assets));
    }
    Ok(sizes)
}

/// A wrk script voting yes through the ballot's form, each vote as the next member's person
/// (thread k of the `connections` threads takes members k, k + n, …: each thread's state is
/// its own, so the step is written into the script), then fetching the receipt the answer redirects
/// to, as a browser does.
fn vote_script(
    coop: &VotingCoop,
    motion: &verbund_domain::governance::MotionId,
    base: &str,
    connections: u32,
) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut sessions = tempfile::NamedTempFile::new()?;
    // The founders act through no person: their lines are empty and skipped.
    let lines: Vec<&str> = coop
        .sessions
        .iter()
        .filter(|s| !s.is_empty())
        .map(String::as_str)
        .collect();
    std::io::Write::write_all(&mut sessions, (lines.join("\n") + "\n").as_bytes())?;
    let (sessions_file, sessions_path) = sessions.keep()?;
    drop(sessions_file);
    let mut script = tempfile::Builder::new().suffix(".lua").tempfile()?;
    let lua = format!(
        r#"local path = "/c/bench-eg/motions/{motion}/vote"
local body = "choice=yes"
local origin = "{base}"
local sessions = {{}}
for line in io.lines("{sessions}") do sessions[#sessions + 1] = line end
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local next_member = nil
local receipt = nil
local cookie = nil
function request()
  if receipt ~= nil then
    local location = receipt
    receipt = nil
    return wrk.format("GET", location, {{["Cookie"] = cookie}})
  end
  if next_member == nil then next_member = offset end
  cookie = "verbund_session=" .. sessions[(next_member % #sessions) + 1]
  next_member = next_member + {step}
  return wrk.format("POST", path, {{["Cookie"] = cookie, ["Origin"] = origin, ["Content-Type"] = "application/x-www-form-urlencoded"}}, body)
end
function response(status, headers, body)
  if status == 303 then receipt = headers["location"] or headers["Location"] end
end
"#,
        sessions = sessions_path.display(),
        step = connections,
    );
    std::io::Write::write_all(&mut script, lua.as_bytes())?;
    Ok(script)
}
