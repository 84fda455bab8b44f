//! `verbund bench votes`: votes cast over HTTP by a large electorate, the busiest write there
//! is. A cooperative of 100,000 members (admissions and tokens appended straight to the log in
//! large commits, as `bench members` does, then folded by the projections like any events) puts
//! one motion per run to its assembly and opens the ballot; `wrk` casts the members' votes
//! through the real server, each member with their own token, each vote durable before it is
//! answered. After each run the members who did not vote yet vote through the command path, so
//! that the ballot holds a vote of every member, and the close and count of that ballot is
//! timed.
//!
//! The same cooperative serves `bench http` (its write is a vote).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use verbund_api::say;

use anyhow::Context as _;
use jiff::ToSpan as _;
use verbund_domain::governance::{
    AssemblyId, CastVote, Channel, Choice, Convene, Mark, MotionId, MotionKind, OpenBallot,
    PutMotion,
};
use verbund_domain::{AssemblyForm, MemberNo};
use verbund_ledger::{Actor, LogId};

use crate::common::{Load, run_wrk, which};
use crate::common::{Scratch, Target, Tuning, median};
use verbund_api::app::{self, App, Request};
use verbund_api::testing::BulkCoop;

#[derive(Debug, clap::Args)]
pub struct VotesArgs {
    #[command(flatten)]
    target: Target,
    /// Members of the cooperative; each votes with a token of their own.
    #[arg(long, default_value_t = 100_000)]
    members: u32,
    /// Open connections of the load generator.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Seconds of voting per run.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Runs, one ballot each; the medians are reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[command(flatten)]
    tuning: Tuning,
}

pub async fn votes(args: VotesArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.members > 0 && args.runs > 0 && args.seconds > 0 && args.connections > 0,
        "members, runs, seconds and connections must be positive"
    );
    let wrk =
        which("wrk").context("bench votes drives the server with wrk: apt-get install wrk")?;
    let scratch = Scratch::create(&args.target).await?;
    let result = votes_on(&scratch, &args, &wrk).await;
    scratch.remove().await?;
    result
}

async fn votes_on(scratch: &Scratch, args: &VotesArgs, wrk: &str) -> anyhow::Result<ExitCode> {
    say!(
        "bench votes on {}: {} members, {} connections, {} s of voting per run, {} runs",
        scratch.name(),
        args.members,
        args.connections,
        args.seconds,
        args.runs
    );
    let started = Instant::now();
    let coop = VotingCoop::create(args.tuning.config(&scratch.url), args.members).await?;
    say!(
        "  {} members with a token each in {:.1} s",
        args.members,
        started.elapsed().as_secs_f64()
    );
    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = server.local_addr()?;
    let router = verbund_api::http::router(coop.app.clone());
    let served = tokio::spawn(async move { axum::serve(server, router).await });

    let (mut loads, mut closes) = (Vec::<Load>::new(), Vec::<f64>::new());
    for run in 1..=args.runs {
        let motion = coop
            .open_motion(&format!("Laser cutter, round {run}"))
            .await?;
        let script = coop.vote_script(&motion)?;
        let url = format!("http://{address}/");
        let load = run_wrk(
            wrk,
            &url,
            &["-s".into(), script.path().display().to_string()],
            args.connections,
            args.seconds,
        )
        .await?;
        let cast = coop.votes_on(&motion).await?;
        say!(
            "  run {run}: {:.0} votes/s, p50 {:.2} ms, p99 {:.2} ms{}{}; {cast} members voted",
            load.requests_per_s,
            load.p50_ms,
            load.p99_ms,
            load.cpu_text(),
            load.errors_text(),
        );
        coop.everyone_votes(&motion).await?;
        let t0 = Instant::now();
        let closed = app::close_ballot(&coop.app, &coop.board, &motion).await?;
        let close_s = t0.elapsed().as_secs_f64();
        anyhow::ensure!(
            closed.result.participants == u64::from(coop.electorate),
            "the count has {} participants, not {}",
            closed.result.participants,
            coop.electorate
        );
        say!(
            "  run {run}: closed and counted {} votes in {:.0} ms",
            closed.result.participants,
            close_s * 1_000.0
        );
        loads.push(load);
        closes.push(close_s);
    }
    let rps = median(loads.iter().map(|l| l.requests_per_s).collect());
    say!(
        "\nMedian: {rps:.0} votes/s, p50 {:.2} ms, p99 {:.2} ms; a ballot of {} votes closed and counted in {:.0} ms",
        median(loads.iter().map(|l| l.p50_ms).collect()),
        median(loads.iter().map(|l| l.p99_ms).collect()),
        coop.electorate,
        median(closes) * 1_000.0
    );
    served.abort();
    let head = coop.app.ledger().head(&coop.log).await?;
    let report = coop
        .app
        .ledger()
        .verify(&coop.log, None, &mut |_| {})
        .await?;
    anyhow::ensure!(
        report.is_intact(),
        "the log is broken: {:?}",
        report.first_break
    );
    say!("  the log verifies intact: {} events", head.position.get());
    coop.app.close().await;
    Ok(ExitCode::SUCCESS)
}

/// A cooperative with a large electorate, every member holding a token, and an assembly held
/// today.
pub(crate) struct VotingCoop {
    pub app: App,
    pub log: LogId,
    /// Requests of the board (member 1), which convenes, puts motions, opens and closes.
    pub board: Request,
    assembly: AssemblyId,
    /// Each member's token secret, by member number (index 0 is member 1).
    secrets: Arc<Vec<String>>,
    /// With people: each member's session secret (empty for the founders).
    pub sessions: Vec<String>,
    /// The members entitled to vote.
    electorate: u32,
    dir: tempfile::TempDir,
}

impl VotingCoop {
    /// The demo cooperative with members up to `members` in all, each with a token
    /// ([`BulkCoop`]), and an assembly held today.
    pub async fn create(config: app::Config, members: u32) -> anyhow::Result<Self> {
        Self::from_bulk(BulkCoop::create_with(config, members).await?, members).await
    }

    /// [`VotingCoop::create`], each admitted member with a person holding a session of the
    /// pages ([`VotingCoop::sessions`]).
    pub async fn create_with_people(config: app::Config, members: u32) -> anyhow::Result<Self> {
        Self::from_bulk(
            BulkCoop::create_with_people(config, members).await?,
            members,
        )
        .await
    }

    async fn from_bulk(bulk: BulkCoop, members: u32) -> anyhow::Result<Self> {
        let BulkCoop {
            app,
            log,
            board,
            secrets,
            sessions,
        } = bulk;
        let today = app::today();
        let assembly = AssemblyId::parse(&app::random_hex(8))?;
        app::execute(
            &app,
            &board,
            &app::governance::Convene(Convene {
                assembly: assembly.clone(),
                form: AssemblyForm::Hybrid,
                convened_on: today - 20.days(),
                held_on: today,
                place: "Gemeindesaal and online".into(),
                chair: MemberNo::new(1).expect("not zero"),
                agenda: vec!["Joint investments".into()],
                demanded_by: Vec::new(),
                delegates: false,
                participation: Some("Join online with the link in the invitation".into()),
                discussion: None,
                today,
            }),
        )
        .await?;
        Ok(Self {
            app,
            log,
            board,
            assembly,
            secrets: Arc::new(secrets),
            sessions,
            electorate: members,
            dir: tempfile::tempdir()?,
        })
    }

    /// Puts a joint investment to the assembly and opens its ballot; members may change their
    /// vote until the close, so a load generator that runs out of members votes again.
    pub async fn open_motion(&self, title: &str) -> anyhow::Result<MotionId> {
        let today = app::today();
        let motion = MotionId::parse(&app::random_hex(8))?;
        app::execute(
            &self.app,
            &self.board,
            &app::governance::PutMotion {
                put: PutMotion {
                    motion: motion.clone(),
                    assembly: Some(self.assembly.clone()),
                    title: title.to_owned(),
                    proposal: MotionKind::General {
                        text: "The network buys a laser cutter for the members' workshops".into(),
                    },
                    secret: false,
                    results_hidden: false,
                    votes_changeable: true,
                    announced_on: today - 20.days(),
                    today,
                },
                serving: None,
            },
        )
        .await?;
        app::open_ballot(
            &self.app,
            &self.board,
            &motion,
            OpenBallot {
                now: jiff::Timestamp::now(),
                today,
                closes_at: None,
                key: None,
            },
        )
        .await?;
        Ok(motion)
    }

    /// A wrk script casting yes votes on `motion`, each request as the next member (the two
    /// wrk threads take every other member), from a file of the members' tokens.
    pub fn vote_script(&self, motion: &MotionId) -> anyhow::Result<tempfile::NamedTempFile> {
        let tokens = self.dir.path().join("tokens.txt");
        if !tokens.exists() {
            std::fs::write(&tokens, self.secrets.join("\n") + "\n")?;
        }
        let mut script = tempfile::Builder::new()
            .suffix(".lua")
            .tempfile_in(self.dir.path())?;
        let lua = format!(
            r#"local path = "/v1/coops/{log}/motions/{motion}/votes"
local body = '{{"choice": "yes"}}'
local tokens = {{}}
for line in io.lines("{tokens}") do tokens[#tokens + 1] = line end
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local next_member = nil
function request()
  if next_member == nil then next_member = offset end
  local token = tokens[(next_member % #tokens) + 1]
  next_member = next_member + 2
  return wrk.format("POST", path, {{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}}, body)
end
"#,
            log = self.log,
            tokens = tokens.display(),
        );
        std::io::Write::write_all(&mut script, lua.as_bytes())?;
        Ok(script)
    }

    /// A member's token secret.
    pub fn secret(&self, member: MemberNo) -> &str {
        &self.secrets[member.get() as usize - 1]
    }

    /// How many members voted on `motion` so far.
    pub async fn votes_on(&self, motion: &MotionId) -> anyhow::Result<usize> {
        let runtime = self.runtime().await?;
        if let Some(head) = self.app.ledger().known_head(&self.log) {
            runtime.wait_for(head, Duration::from_secs(60)).await?;
        }
        Ok(runtime
            .views()
            .aggregates
            .read(|a| a.ballot(motion).map_or(0, |b| b.votes().count())))
    }

    /// Every member who has not voted on `motion` yet votes, through the command path, 64 at a
    /// time.
    async fn everyone_votes(&self, motion: &MotionId) -> anyhow::Result<()> {
        let runtime = self.runtime().await?;
        if let Some(head) = self.app.ledger().known_head(&self.log) {
            runtime.wait_for(head, Duration::from_secs(60)).await?;
        }
        let missing: Vec<MemberNo> = runtime.views().aggregates.read(|a| {
            let ballot = a.ballot(motion);
            (1..=self.electorate)
                .map(|n| MemberNo::new(n).expect("numbers start at 1"))
                .filter(|m| ballot.is_some_and(|b| b.vote(*m).state.is_none()))
                .collect()
        });
        let missing = Arc::new(missing);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..64 {
            let (app, missing, next) = (self.app.clone(), Arc::clone(&missing), Arc::clone(&next));
            let (log, motion) = (self.log.clone(), motion.clone());
            tasks.spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&member) = missing.get(i) else {
                        return anyhow::Ok(());
                    };
                    let request = Request {
                        coop: log.clone(),
                        actor: Actor::parse(format!("member:{member}"))?,
                        key: None,
                        digest: [0; 32],
                    };
                    let vote = CastVote {
                        voter: member,
                        cast_by: member,
                        mark: Mark::Choice(Choice::Yes),
                        sealed: None,
                        channel: Channel::Electronic,
                        now: jiff::Timestamp::now(),
                    };
                    let cast = app::governance::CastVote {
                        motion: motion.clone(),
                        vote,
                        sealed: None,
                    };
                    app::execute(&app, &request, &cast).await?;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        Ok(())
    }

    async fn runtime(&self) -> anyhow::Result<Arc<verbund_projections::Runtime>> {
        self.app
            .coop(&self.log)
            .await?
            .context("the benchmark's cooperative is followed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark's cooperative is a real one: its members (appended in bulk) are the
    /// electorate, each can vote through the command path, and the ballot counts them all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_benchmark_cooperative_votes_and_counts_every_member() {
        let scratch = verbund_ledger::scratch::ScratchDatabase::sqlite().expect("a scratch file");
        let coop = VotingCoop::create(app::Config::new(scratch.url()), 40)
            .await
            .expect("created");
        let motion = coop
            .open_motion("A van for the network")
            .await
            .expect("opened");
        assert_eq!(coop.votes_on(&motion).await.expect("counted"), 0);
        coop.everyone_votes(&motion).await.expect("everyone votes");
        assert_eq!(coop.votes_on(&motion).await.expect("counted"), 40);
        let closed = app::close_ballot(&coop.app, &coop.board, &motion)
            .await
            .expect("closed");
        assert_eq!(closed.result.participants, 40);
        assert!(
            coop.secret(MemberNo::new(40).expect("not zero"))
                .starts_with("vb1_")
        );
        let script = coop.vote_script(&motion).expect("a script");
        let lua = std::fs::read_to_string(script.path()).expect("readable");
        assert!(lua.contains(&format!("/motions/{motion}/votes")), "{lua}");
        // The members appended in bulk carry real personal records: the log verifies whole,
        // as the benchmark checks at its end.
        let report = coop
            .app
            .ledger()
            .verify(&coop.log, None, &mut |_| {})
            .await
            .expect("verified");
        assert!(report.is_intact(), "{:?}", report.first_break);
        coop.app.close().await;
        scratch.remove().await.expect("removed");
    }
}
