//! Given events, when a governance command, then events or a refusal with its rule.

use jiff::Timestamp;
use jiff::civil::{Date, date};

use super::*;
use crate::Event;
use crate::coop::tests_support::{World, world, world_of};
use crate::governance::assembly::{
    AttendanceFacts, Convene, MemberCounts, Presence, RecordAttendance,
};
use crate::governance::electorate::{Regime, electorate};
use crate::governance::proxies::{GrantProxy, ProxyFacts};
use crate::statute::{AssemblyForm, EXAMPLE_STATUTE};

const HELD_ON: Date = date(2027, 3, 15);

fn no(n: u32) -> MemberNo {
    MemberNo::new(n).expect("not zero")
}

fn motion_id(id: &str) -> MotionId {
    MotionId::parse(id).expect("valid")
}

fn at(day: Date) -> Timestamp {
    day.at(12, 0, 0, 0)
        .in_tz("Europe/Berlin")
        .expect("a time")
        .timestamp()
}

fn assembly_id() -> AssemblyId {
    AssemblyId::parse("a1").expect("valid")
}

/// `members` founders, all firms, an assembly on 2027-03-15 convened on 2027-03-01.
fn convened(statute: &str, members: u32) -> World {
    convened_with(statute, members, |_| true)
}

/// `members` founders, firms where `firm` holds and natural persons elsewhere, and an
/// assembly on 2027-03-15 convened on 2027-03-01.
fn convened_with(statute: &str, members: u32, firm: impl Fn(u32) -> bool) -> World {
    let mut world = world_of(statute, members, firm);
    let coop = world.coop.clone();
    let changes = Assembly::default()
        .convene(
            &coop,
            MemberCounts {
                members: members as usize,
                delegates_in_office: 0,
            },
            Convene {
                assembly: assembly_id(),
                form: AssemblyForm::InPerson,
                convened_on: date(2027, 3, 1),
                held_on: HELD_ON,
                place: "Gasthaus Post, Musterdorf".into(),
                chair: no(3),
                agenda: vec!["Joint investment: laser cutter".into()],
                demanded_by: vec![],
                delegates: false,
                participation: None,
                discussion: None,
                today: date(2027, 3, 1),
            },
        )
        .expect("two weeks' notice");
    world.record(changes);
    world
}

fn put(world: &mut World, id: &str, proposal: MotionKind, announced_on: Date) {
    put_with(world, id, proposal, announced_on, (false, false));
}

/// Puts a motion whose ballot is `(secret, results hidden)`.
fn put_with(
    world: &mut World,
    id: &str,
    proposal: MotionKind,
    announced_on: Date,
    (secret, results_hidden): (bool, bool),
) {
    let coop = world.coop.clone();
    let assembly = world.assemblies.get(&assembly_id()).cloned();
    let changes = Motion::default()
        .put_motion(
            &coop,
            assembly.as_ref(),
            PutMotion {
                motion: motion_id(id),
                assembly: Some(assembly_id()),
                title: "A motion".into(),
                proposal,
                secret,
                results_hidden,
                votes_changeable: false,
                announced_on,
                today: announced_on,
            },
        )
        .expect("a valid motion");
    world.record(changes);
}

fn open(world: &mut World, id: &str) -> Result<(), DomainError> {
    open_at(world, id, &assembly_id())
}

/// `coop` under `statute`, as an amendment would leave it.
fn with_statute(coop: &Cooperative, statute: Statute) -> Cooperative {
    let mut coop = coop.clone();
    coop.apply(&Event::StatuteAmended(crate::StatuteAmended {
        version: coop.statute_version() + 1,
        statute: Box::new(statute),
        statute_text: String::new(),
        resolved_on: date(2027, 2, 1),
        majority: Majority::Simple,
        yes: 1,
        no: 0,
    }));
    coop
}

/// The facts the application passes when a ballot opens: the regime of the members on the
/// assembly's day (G43-3) and whether all of them attend (G46).
fn facts(world: &World, assembly: Option<&Assembly>) -> OpeningFacts {
    let members: Vec<&crate::Membership> = world
        .members
        .values()
        .filter_map(Member::membership)
        .filter(|m| m.is_member_on(HELD_ON))
        .collect();
    let entrepreneurs = members
        .iter()
        .filter(|m| m.kind().is_entrepreneur())
        .count();
    OpeningFacts {
        regime: Regime::of(members.len(), entrepreneurs),
        all_members_present: assembly.is_some_and(|a| {
            a.all_present(
                members
                    .iter()
                    .filter(|m| m.has_rights_on(HELD_ON))
                    .map(|m| m.member()),
            )
        }),
    }
}

/// The key a sealed ballot opens with (W1): kept outside the database by the application.
fn ballot_key() -> BallotKeyId {
    BallotKeyId::parse("k1").expect("valid")
}

/// Opens the ballot of motion `id`, put to the assembly `at`.
fn open_at(world: &mut World, id: &str, at_assembly: &AssemblyId) -> Result<(), DomainError> {
    let assembly = world.assemblies.get(at_assembly).cloned();
    let motion = &world.motions[&motion_id(id)];
    let changes = motion.open(
        &world.coop,
        assembly.as_ref(),
        facts(world, assembly.as_ref()),
        OpenBallot {
            now: at(HELD_ON),
            today: HELD_ON,
            closes_at: None,
            key: motion.sealed().then(ballot_key),
        },
    )?;
    world.record(changes);
    Ok(())
}

/// The votes granted to `member` (G43-3).
fn granted(world: &World, member: MemberNo) -> u8 {
    world
        .members
        .get(&member)
        .and_then(Member::membership)
        .map_or(1, |m| m.votes())
}

/// The voter state of `member` on motion `id`, as the projection fixes it at the opening.
fn voter_state(world: &World, id: &str, member: u32) -> VoterState {
    let motion = &world.motions[&motion_id(id)];
    let opened = motion.opened().expect("open");
    let statute = world.coop.statute().expect("founded");
    let voters = electorate(
        world.members.values().filter_map(Member::membership),
        opened.record_day,
        statute,
        &opened.weighting,
        Regime::of_counting(opened.counting.as_ref()),
        |m| granted(world, m),
    );
    VoterState {
        voter: voters.iter().find(|v| v.member == no(member)).copied(),
        vote: world.votes.get(&(motion_id(id), no(member))).cloned(),
        proxy: world.proxies.proxy_of(no(member)),
    }
}

fn vote(world: &mut World, id: &str, member: u32, choice: Choice) -> Result<(), DomainError> {
    vote_by(world, id, member, member, Mark::Choice(choice))
}

fn vote_by(
    world: &mut World,
    id: &str,
    voter: u32,
    cast_by: u32,
    mark: Mark,
) -> Result<(), DomainError> {
    let state = voter_state(world, id, voter);
    let changes = world.motions[&motion_id(id)].cast(
        &state,
        CastVote {
            voter: no(voter),
            cast_by: no(cast_by),
            mark,
            sealed: None,
            channel: Channel::InPerson,
            now: at(HELD_ON),
        },
    )?;
    world.record(changes);
    Ok(())
}

/// Closes and counts motion `id`, recording the result and its effects.
fn close_and_count(world: &mut World, id: &str) -> Result<BallotCounted, DomainError> {
    let motion = world.motions[&motion_id(id)].clone();
    let changes = motion.close(at(HELD_ON))?;
    world.record(changes);
    let motion = world.motions[&motion_id(id)].clone();
    let opened = motion.opened().expect("open").clone();
    let voters = electorate(
        world.members.values().filter_map(Member::membership),
        opened.record_day,
        world.coop.statute().expect("founded"),
        &opened.weighting,
        Regime::of_counting(opened.counting.as_ref()),
        |m| granted(world, m),
    );
    let ballots: Vec<(Voter, Mark)> = world
        .votes
        .iter()
        .filter(|((m, _), _)| *m == motion_id(id))
        .filter_map(|((_, member), v)| {
            let voter = voters.iter().find(|x| x.member == *member)?;
            Some((*voter, v.mark.clone().expect("an open ballot")))
        })
        .collect();
    let result = motion.result(&ballots, voters.len(), 99)?;
    let target = motion
        .put()
        .and_then(|p| p.proposal.member())
        .map(|m| world.members.get(&m).cloned().unwrap_or_default())
        .unwrap_or_default();
    let members = world.members_on(HELD_ON);
    let changes = motion.count(
        &world.coop,
        &target,
        members,
        crate::OrganFacts::default(),
        HELD_ON,
        result.clone(),
        // W1: a hidden ballot's key is disclosed with its count.
        (motion.ballot_key().is_some() && !motion.secret()).then(|| "ab".repeat(32)),
    )?;
    world.record(changes);
    Ok(result)
}

fn laser_cutter() -> MotionKind {
    MotionKind::JointInvestment {
        asset: "Laser cutter, 1.3 x 0.9 m bed".into(),
        amount: Money::parse("48000.00").expect("money"),
        funding_plan: "Member loans and a bank loan; usage fees repay them".into(),
    }
}

/// An adopted joint investment becomes an investment ready for funding.
#[test]
fn an_adopted_joint_investment_becomes_an_approved_investment() {
    let mut world = convened(EXAMPLE_STATUTE, 5);
    put(&mut world, "m1", laser_cutter(), date(2027, 3, 1));
    open(&mut world, "m1").expect("announced two weeks ahead");
    for (member, choice) in [(1, Choice::Yes), (2, Choice::Yes), (3, Choice::No)] {
        vote(&mut world, "m1", member, choice).expect("a voter");
    }
    let result = close_and_count(&mut world, "m1").expect("counts");
    assert_eq!(result.outcome, Outcome::Adopted);
    assert_eq!((result.electorate, result.participants), (5, 3));
    assert_eq!(world.investments.len(), 1);
    assert_eq!(world.investments[0].amount.to_string(), "48000.00");
}

/// G46: an item announced less than a week before the assembly cannot be resolved, and no
/// ballot opens before the assembly's day.
#[test]
fn g46_an_item_announced_late_cannot_be_resolved() {
    let mut world = convened(EXAMPLE_STATUTE, 5);
    put(&mut world, "late", laser_cutter(), date(2027, 3, 9));
    let error = open(&mut world, "late").expect_err("six days ahead");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G46), "item-announced-too-late")
    );
    put(&mut world, "early", laser_cutter(), date(2027, 3, 8));
    let assembly = world.assemblies.get(&assembly_id()).cloned();
    let error = world.motions[&motion_id("early")]
        .open(
            &world.coop,
            assembly.as_ref(),
            facts(&world, assembly.as_ref()),
            OpenBallot {
                now: at(date(2027, 3, 14)),
                today: date(2027, 3, 14),
                closes_at: None,
                key: None,
            },
        )
        .expect_err("a day before the assembly");
    assert_eq!(error.code(), "assembly-not-yet-held");
    open(&mut world, "early").expect("exactly a week ahead");
}

/// Records member `member`'s attendance at the assembly on its day.
fn attend(
    world: &mut World,
    member: u32,
    presence: Presence,
    proxy: Option<u32>,
) -> Result<(), DomainError> {
    let assembly = world.assemblies[&assembly_id()].clone();
    let facts = AttendanceFacts {
        has_rights: world
            .member(member)
            .membership()
            .is_some_and(|m| m.has_rights_on(HELD_ON)),
        proxy: world.proxies.proxy_of(no(member)),
    };
    let changes = assembly.record_attendance(
        facts,
        RecordAttendance {
            member: no(member),
            presence,
            proxy: proxy.map(no),
            today: HELD_ON,
        },
    )?;
    world.record(changes);
    Ok(())
}

/// G46 (§ 46 (2) S. 2 GenG): given an item announced six days ahead, when not every member
/// attends, then it cannot be resolved — unless it is about chairing the assembly or
/// convening an extraordinary one; when every member attends themself, it can.
#[test]
fn g46_a_late_item_is_resolved_when_all_members_are_present_or_it_needs_no_notice() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    let late = date(2027, 3, 9);
    put(&mut world, "late", laser_cutter(), late);
    put(
        &mut world,
        "chair",
        MotionKind::ChairAssembly { member: no(2) },
        late,
    );
    put(
        &mut world,
        "extra",
        MotionKind::ConveneExtraordinary {
            purpose: "Decide on the burnt-down workshop".into(),
        },
        late,
    );
    open(&mut world, "chair").expect("chairing needs no notice");
    open(&mut world, "extra").expect("convening an extraordinary assembly needs no notice");
    attend(&mut world, 1, Presence::InPerson, None).expect("attends");
    attend(&mut world, 2, Presence::InPerson, None).expect("attends");
    let error = open(&mut world, "late").expect_err("member 3 is missing");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G46), "item-announced-too-late")
    );
    attend(&mut world, 3, Presence::InPerson, None).expect("attends");
    open(&mut world, "late").expect("all members are present");

    // The chair the assembly chooses is the chair of its minutes (G47).
    for member in 1..=3 {
        vote(&mut world, "chair", member, Choice::Yes).expect("votes");
    }
    close_and_count(&mut world, "chair").expect("counts");
    assert_eq!(world.assemblies[&assembly_id()].chair(), Some(no(2)));
}

/// G46: a member represented by their proxy has not appeared: the one-week rule stands.
#[test]
fn g46_a_represented_member_is_not_present_for_the_one_week_rule() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    let statute = world.coop.statute().expect("founded").clone();
    let (_, granted) = world
        .proxies
        .grant(
            &statute,
            ProxyFacts {
                principal_has_rights: true,
                proxy_has_rights: true,
            },
            GrantProxy {
                principal: no(3),
                proxy: no(1),
                evidence: "authority in text form of 2027-03-10".into(),
                granted_on: date(2027, 3, 10),
            },
        )
        .expect("allowed");
    world.record(vec![Change::new(Stream::Proxies, granted)]);
    put(&mut world, "late", laser_cutter(), date(2027, 3, 9));
    attend(&mut world, 1, Presence::InPerson, None).expect("attends");
    attend(&mut world, 2, Presence::InPerson, None).expect("attends");
    let error = attend(&mut world, 3, Presence::Represented, Some(2)).expect_err("not the proxy");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43_5), "not-the-proxy")
    );
    attend(&mut world, 3, Presence::Represented, Some(1)).expect("represented");
    let error = open(&mut world, "late").expect_err("member 3 did not appear");
    assert_eq!(error.code(), "item-announced-too-late");
    let error = attend(&mut world, 3, Presence::InPerson, None).expect_err("once");
    assert_eq!(error.code(), "attendance-recorded");
}

/// G46 (§ 46 (1) S. 2 GenG): the invitation to a virtual, hybrid or two-phase assembly says
/// how to take part, a two-phase one also the form of its discussion phase; an assembly in
/// person is attended in the room.
#[test]
fn g46_the_invitation_says_how_to_take_part() {
    let statute = Statute::parse_toml(&EXAMPLE_STATUTE.replace(
        "forms = [\"in-person\", \"hybrid\"]",
        "forms = [\"in-person\", \"hybrid\", \"virtual\", \"two-phase\"]",
    ))
    .expect("valid");
    let coop = with_statute(&world(5).coop, statute);
    let convene = |form, participation: Option<&str>, discussion| {
        Assembly::default().convene(
            &coop,
            MemberCounts {
                members: 5,
                delegates_in_office: 0,
            },
            Convene {
                assembly: assembly_id(),
                form,
                convened_on: date(2027, 3, 1),
                held_on: HELD_ON,
                place: "https://meet.example/dorfhandwerk".into(),
                chair: no(3),
                agenda: vec!["Annual accounts 2026".into()],
                demanded_by: vec![],
                delegates: false,
                participation: participation.map(str::to_owned),
                discussion,
                today: date(2027, 3, 1),
            },
        )
    };
    let how = Some("Sign in with the link in this letter; vote in the members' area");
    for form in [AssemblyForm::Virtual, AssemblyForm::Hybrid] {
        let error = convene(form, None, None).expect_err("how to take part");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G46), "participation-missing")
        );
        convene(form, how, None).expect("says how");
    }
    let error = convene(AssemblyForm::TwoPhase, how, None).expect_err("the discussion's form");
    assert_eq!(error.code(), "discussion-form-missing");
    let changes = convene(AssemblyForm::TwoPhase, how, Some(AssemblyForm::Virtual))
        .expect("a virtual discussion, then the vote");
    let Event::AssemblyConvened(convened) = &changes[0].event else {
        panic!("{changes:?}")
    };
    assert!(convened.held_at_seat(), "G47: its place is the seat");
    let error = convene(AssemblyForm::InPerson, how, None).expect_err("nothing online");
    assert_eq!(error.code(), "participation-unexpected");
}

/// D1: given a cooperative founded on 2026-11-24, an assembly convened before it and a motion
/// announced before it are refused.
#[test]
fn d1_no_assembly_or_motion_is_dated_before_the_founding() {
    let world = world(5);
    let error = Assembly::default()
        .convene(
            &world.coop,
            MemberCounts {
                members: 5,
                delegates_in_office: 0,
            },
            Convene {
                assembly: assembly_id(),
                form: AssemblyForm::InPerson,
                convened_on: date(2026, 10, 1),
                held_on: date(2026, 10, 20),
                place: "Gasthaus Post".into(),
                chair: no(3),
                agenda: vec!["Budget".into()],
                demanded_by: vec![],
                delegates: false,
                participation: None,
                discussion: None,
                today: date(2027, 3, 1),
            },
        )
        .expect_err("before the founding");
    assert_eq!(
        (error.rule_id(), error.code(), error.field()),
        (Some(Rule::D1), "date-before-history", Some("convened_on"))
    );
    let coop = with_statute(
        &world.coop,
        Statute::parse_toml(&EXAMPLE_STATUTE.replace(
            "forms = [\"in-person\", \"hybrid\"]",
            "forms = [\"in-person\", \"hybrid\"]\nwritten_resolutions = true",
        ))
        .expect("valid"),
    );
    let error = Motion::default()
        .put_motion(
            &coop,
            None,
            PutMotion {
                motion: motion_id("old"),
                assembly: None,
                title: "Joint marketing".into(),
                proposal: laser_cutter(),
                secret: false,
                results_hidden: false,
                votes_changeable: false,
                announced_on: date(2020, 1, 1),
                today: date(2027, 3, 1),
            },
        )
        .expect_err("before the founding");
    assert_eq!(
        (error.rule_id(), error.field()),
        (Some(Rule::D1), Some("announced_on"))
    );
}

/// G45: an assembly or item forced by a minority needs a tenth of the members (or the
/// statute's smaller share).
#[test]
fn g45_a_demand_needs_a_tenth_of_the_members() {
    let world = world(20);
    let convene = |demanded_by: Vec<MemberNo>| Convene {
        assembly: assembly_id(),
        form: AssemblyForm::InPerson,
        convened_on: date(2027, 3, 1),
        held_on: HELD_ON,
        place: "Gasthaus Post".into(),
        chair: no(3),
        agenda: vec!["Marketing levy".into()],
        demanded_by,
        delegates: false,
        participation: None,
        discussion: None,
        today: date(2027, 3, 1),
    };
    let twenty = MemberCounts {
        members: 20,
        delegates_in_office: 0,
    };
    let error = Assembly::default()
        .convene(&world.coop, twenty, convene(vec![no(4)]))
        .expect_err("one of twenty");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G45), "demand-too-small")
    );
    let changes = Assembly::default()
        .convene(&world.coop, twenty, convene(vec![no(4), no(5)]))
        .expect("two of twenty is a tenth");
    let Event::AssemblyConvened(convened) = &changes[0].event else {
        panic!("{changes:?}")
    };
    assert_eq!(convened.demanded_by, [no(4), no(5)]);
}

/// G46, G43b: two weeks' notice, in a form the statute provides; a written ballot only where
/// the statute provides one.
#[test]
fn g43b_written_ballots_only_where_the_statute_provides_them() {
    let world = world(5);
    let command = PutMotion {
        motion: motion_id("w1"),
        assembly: None,
        title: "Joint marketing 2027".into(),
        proposal: laser_cutter(),
        secret: false,
        results_hidden: false,
        votes_changeable: true,
        announced_on: date(2027, 3, 1),
        today: date(2027, 3, 1),
    };
    let error = Motion::default()
        .put_motion(&world.coop, None, command.clone())
        .expect_err("the example has no written resolutions");
    assert_eq!(error.rule_id(), Some(Rule::G43b));
    let written = Statute::parse_toml(&EXAMPLE_STATUTE.replace(
        "forms = [\"in-person\", \"hybrid\"]",
        "forms = [\"in-person\", \"hybrid\"]\nwritten_resolutions = true",
    ))
    .expect("valid");
    let coop = with_statute(&world.coop, written);
    let changes = Motion::default()
        .put_motion(&coop, None, command)
        .expect("provided");
    let mut motion = Motion::default();
    changes.iter().for_each(|c| motion.apply(&c.event));
    let open = |closes_at| {
        motion.open(
            &coop,
            None,
            facts(&world, None),
            OpenBallot {
                now: at(date(2027, 3, 2)),
                today: date(2027, 3, 2),
                closes_at,
                key: None,
            },
        )
    };
    assert_eq!(
        open(None).expect_err("no window").code(),
        "voting-window-missing"
    );
    let changes = open(Some(at(date(2027, 3, 16)))).expect("a window");
    changes.iter().for_each(|c| motion.apply(&c.event));
    let error = motion
        .close(at(date(2027, 3, 10)))
        .expect_err("the window is open");
    assert_eq!(error.code(), "voting-window-open");
    motion
        .close(at(date(2027, 3, 16)))
        .expect("the window ended");
}

/// G43-2, G43-3: a vote after the close, by a non-member, by a member admitted after the
/// record day, or a second vote is refused with its rule; a changeable vote may change.
#[test]
fn g43_3_one_member_one_vote_while_the_ballot_is_open() {
    let mut world = convened(EXAMPLE_STATUTE, 5);
    put(&mut world, "m1", laser_cutter(), date(2027, 3, 1));
    open(&mut world, "m1").expect("opens");
    vote(&mut world, "m1", 1, Choice::Yes).expect("first vote");
    let error = vote(&mut world, "m1", 1, Choice::No).expect_err("second vote");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43_3), "already-voted")
    );
    let error = vote(&mut world, "m1", 9, Choice::Yes).expect_err("no member 9");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43_3), "not-in-electorate")
    );
    close_and_count(&mut world, "m1").expect("counts");
    let error = vote(&mut world, "m1", 2, Choice::Yes).expect_err("closed");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43_2), "ballot-closed")
    );
}

/// A member admitted after the record day is not in the electorate.
#[test]
fn g43_3_a_member_admitted_after_the_record_day_does_not_vote() {
    let mut world = convened(EXAMPLE_STATUTE, 5);
    put(&mut world, "m1", laser_cutter(), date(2027, 3, 1));
    open(&mut world, "m1").expect("opens");
    // Member 6 joins after the opening: the projection fixed the electorate before.
    let state = voter_state(&world, "m1", 6);
    assert_eq!(state.voter, None);
    let error = world.motions[&motion_id("m1")]
        .cast(
            &state,
            CastVote {
                voter: no(6),
                cast_by: no(6),
                mark: Mark::Choice(Choice::Yes),
                sealed: None,
                channel: Channel::Electronic,
                now: at(HELD_ON),
            },
        )
        .expect_err("not in the electorate");
    assert_eq!(error.rule_id(), Some(Rule::G43_3));
}

/// Votes change until the close where the motion allows it; the last one counts.
#[test]
fn a_changeable_vote_changes_and_the_last_counts() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    let coop = world.coop.clone();
    let assembly = world.assemblies.get(&assembly_id()).cloned();
    let changes = Motion::default()
        .put_motion(
            &coop,
            assembly.as_ref(),
            PutMotion {
                motion: motion_id("m1"),
                assembly: Some(assembly_id()),
                title: "Laser cutter".into(),
                proposal: laser_cutter(),
                secret: false,
                results_hidden: false,
                votes_changeable: true,
                announced_on: date(2027, 3, 1),
                today: date(2027, 3, 1),
            },
        )
        .expect("valid");
    world.record(changes);
    open(&mut world, "m1").expect("opens");
    vote(&mut world, "m1", 1, Choice::Yes).expect("vote");
    vote(&mut world, "m1", 1, Choice::No).expect("changed");
    vote(&mut world, "m1", 2, Choice::Yes).expect("vote");
    let result = close_and_count(&mut world, "m1").expect("counts");
    assert_eq!(result.outcome, Outcome::Rejected, "one yes, one no");
}

/// G43-5: a proxy casts the vote of its principal, nobody else's; the principal's vote is
/// one vote whoever casts it.
#[test]
fn g43_5_a_proxy_casts_its_principals_vote() {
    let mut world = convened(EXAMPLE_STATUTE, 5);
    let statute = world.coop.statute().expect("founded").clone();
    let (revoked, granted) = world
        .proxies
        .grant(
            &statute,
            ProxyFacts {
                principal_has_rights: true,
                proxy_has_rights: true,
            },
            GrantProxy {
                principal: no(4),
                proxy: no(1),
                evidence: "signed authority of 2027-03-10".into(),
                granted_on: date(2027, 3, 10),
            },
        )
        .expect("allowed");
    assert_eq!(revoked, None);
    world.record(vec![Change::new(Stream::Proxies, granted)]);
    put(&mut world, "m1", laser_cutter(), date(2027, 3, 1));
    open(&mut world, "m1").expect("opens");
    vote_by(&mut world, "m1", 4, 1, Mark::Choice(Choice::Yes)).expect("the proxy");
    let error = vote_by(&mut world, "m1", 5, 1, Mark::Choice(Choice::Yes))
        .expect_err("no proxy of member 5");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43_5), "not-the-proxy")
    );
    let error = vote(&mut world, "m1", 4, Choice::No).expect_err("voted by proxy");
    assert_eq!(error.code(), "already-voted");
    let vote = &world.votes[&(motion_id("m1"), no(4))];
    assert_eq!((vote.voter, vote.cast_by), (no(4), no(1)));
}

/// G16, G43-3: an amendment raising the share amount needs three quarters, one vote each: it
/// fails at 70 % and passes at 76 %, and then is the statute in force.
#[test]
fn g16_an_amendment_raising_the_share_amount_fails_at_70_and_passes_at_76_percent() {
    let dearer = EXAMPLE_STATUTE.replace("amount = \"500.00\"", "amount = \"600.00\"");
    let amendment = || MotionKind::StatuteAmendment {
        statute: Box::new(Statute::parse_toml(&dearer).expect("valid")),
        statute_text: dearer.clone(),
    };
    for (yes, adopted) in [(70, false), (76, true)] {
        let mut world = convened(EXAMPLE_STATUTE, 100);
        put(&mut world, "a1", amendment(), date(2027, 3, 1));
        open(&mut world, "a1").expect("opens");
        for member in 1..=100 {
            let choice = if member <= yes {
                Choice::Yes
            } else {
                Choice::No
            };
            vote(&mut world, "a1", member, choice).expect("a voter");
        }
        let result = close_and_count(&mut world, "a1").expect("counts");
        assert_eq!(result.outcome == Outcome::Adopted, adopted, "{yes} %");
        let amount = world.coop.statute().expect("founded").share_amount();
        let expected = if adopted { "600.00" } else { "500.00" };
        assert_eq!(amount.to_string(), expected, "{yes} %");
        assert_eq!(world.coop.statute_version(), if adopted { 2 } else { 1 });
    }
}

/// G43-2: the statute's quorum counts everyone who took part, abstentions included.
#[test]
fn g43_2_a_quorum_from_the_statute_counts_abstentions_as_present() {
    let quorum =
        EXAMPLE_STATUTE.replace("[assembly]", "[voting]\nquorum_percent = 50\n\n[assembly]");
    let mut world = convened(&quorum, 10);
    put(&mut world, "m1", laser_cutter(), date(2027, 3, 1));
    open(&mut world, "m1").expect("opens");
    for member in 1..=4 {
        vote(&mut world, "m1", member, Choice::Yes).expect("vote");
    }
    let mut short = world.clone();
    let result = close_and_count(&mut short, "m1").expect("counts");
    assert_eq!(result.outcome, Outcome::NoQuorum);
    assert!(short.investments.is_empty(), "no quorum, no investment");
    vote(&mut world, "m1", 5, Choice::Abstain).expect("present");
    let result = close_and_count(&mut world, "m1").expect("counts");
    assert_eq!(result.outcome, Outcome::Adopted);
    assert_eq!(result.tally.as_ref().map(|t| t.abstentions), Some(1));
}

/// G68: an adopted exclusion excludes the member and ends their rights on the day.
#[test]
fn an_adopted_exclusion_excludes_the_member() {
    let mut world = convened(EXAMPLE_STATUTE, 5);
    let exclusion = MotionKind::Exclusion {
        member: no(5),
        ground: "harm".into(),
    };
    put(&mut world, "x1", exclusion, date(2027, 3, 1));
    open(&mut world, "x1").expect("opens");
    for member in 1..=4 {
        vote(&mut world, "x1", member, Choice::Yes).expect("vote");
    }
    close_and_count(&mut world, "x1").expect("counts");
    let excluded = world.member(5);
    let membership = excluded.membership().expect("a member");
    assert!(!membership.has_rights_on(HELD_ON.tomorrow().expect("a day")));
}

/// An election appoints the candidate from the day of the resolution, with the person who
/// serves for the firm (G9-24).
#[test]
fn an_adopted_election_appoints_the_candidate() {
    let mut world = convened(EXAMPLE_STATUTE, 6);
    let serving = crate::coop::tests_support::person(3006);
    let election = MotionKind::Election {
        office: crate::Office::SupervisoryBoard,
        member: no(6),
        serving: Some(serving.clone()),
    };
    put(&mut world, "e1", election, date(2027, 3, 1));
    open(&mut world, "e1").expect("opens");
    for member in 1..=3 {
        vote(&mut world, "e1", member, Choice::Yes).expect("vote");
    }
    close_and_count(&mut world, "e1").expect("counts");
    assert!(
        world
            .coop
            .holders(crate::Office::SupervisoryBoard, HELD_ON)
            .any(|m| m == no(6))
    );
    assert_eq!(
        world.coop.serving(crate::Office::SupervisoryBoard, no(6)),
        Some(&serving)
    );
}

/// A survey ranks its options; nothing is adopted.
#[test]
fn a_ranking_survey_scores_its_options() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    let survey = MotionKind::Survey {
        options: vec!["Laser cutter".into(), "3D printer".into(), "Van".into()],
        mode: SurveyMode::Ranking,
    };
    put(&mut world, "s1", survey, date(2027, 3, 1));
    open(&mut world, "s1").expect("opens");
    vote_by(&mut world, "s1", 1, 1, Mark::Options(vec![0, 1, 2])).expect("ranked");
    vote_by(&mut world, "s1", 2, 2, Mark::Options(vec![1, 0])).expect("partly ranked");
    let error =
        vote_by(&mut world, "s1", 3, 3, Mark::Choice(Choice::Yes)).expect_err("not a choice");
    assert_eq!(error.code(), "vote-malformed");
    let error = vote_by(&mut world, "s1", 3, 3, Mark::Options(vec![1, 1])).expect_err("twice");
    assert_eq!(error.code(), "vote-malformed");
    let result = close_and_count(&mut world, "s1").expect("counts");
    assert_eq!(result.outcome, Outcome::Surveyed);
    assert_eq!(result.survey, [3 + 2, 2 + 3, 1]);
}

/// A secret or hidden ballot takes sealed votes only, an open one plain votes only.
#[test]
fn hidden_ballots_take_sealed_votes_only() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    let coop = world.coop.clone();
    let assembly = world.assemblies.get(&assembly_id()).cloned();
    let changes = Motion::default()
        .put_motion(
            &coop,
            assembly.as_ref(),
            PutMotion {
                motion: motion_id("h1"),
                assembly: Some(assembly_id()),
                title: "Board election".into(),
                proposal: laser_cutter(),
                secret: true,
                results_hidden: false,
                votes_changeable: false,
                announced_on: date(2027, 3, 1),
                today: date(2027, 3, 1),
            },
        )
        .expect("valid");
    let Event::MotionPut(put) = &changes[0].event else {
        panic!()
    };
    assert!(put.results_hidden, "a secret ballot hides its results");
    world.record(changes);
    open(&mut world, "h1").expect("opens");
    let error = vote(&mut world, "h1", 1, Choice::Yes).expect_err("plain");
    assert_eq!(error.code(), "vote-sealing-mismatch");
}

/// Puts motion `id` on the laser cutter to the assembly, secret or with its results hidden.
fn put_sealed(world: &mut World, id: &str, secret: bool) {
    put_with(world, id, laser_cutter(), date(2027, 3, 1), (secret, true));
}

/// Members 1 to 3 vote yes on the sealed ballot `id`, which is then closed and counted, with
/// `disclosed` as the key disclosed with the count.
fn count_sealed(
    world: &mut World,
    id: &str,
    disclosed: Option<String>,
) -> Result<Vec<Change>, DomainError> {
    for n in 1..=3 {
        let changes = world.motions[&motion_id(id)]
            .cast(
                &voter_state(world, id, n),
                CastVote {
                    voter: no(n),
                    cast_by: no(n),
                    mark: Mark::Choice(Choice::Yes),
                    sealed: Some(crate::coop::tests_support::person(2000 + n)),
                    channel: Channel::InPerson,
                    now: at(HELD_ON),
                },
            )
            .expect("a sealed vote");
        world.record(changes);
    }
    let changes = world.motions[&motion_id(id)]
        .close(at(HELD_ON))
        .expect("closes");
    world.record(changes);
    let motion = world.motions[&motion_id(id)].clone();
    let ballots: Vec<(Voter, Mark)> = (1..=3)
        .map(|n| {
            let voter = voter_state(world, id, n).voter.expect("a voter");
            (voter, Mark::Choice(Choice::Yes))
        })
        .collect();
    let result = motion.result(&ballots, 3, 99).expect("counted");
    motion.count(
        &world.coop,
        &Member::default(),
        3,
        crate::OrganFacts::default(),
        HELD_ON,
        result,
        disclosed,
    )
}

/// W1: given a secret and a hidden ballot, when they open, then each opens only with a key
/// of its own outside the database, and an open ballot only without one.
#[test]
fn w1_a_sealed_ballot_opens_only_with_its_key() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    put_sealed(&mut world, "s1", true);
    put(&mut world, "o1", laser_cutter(), date(2027, 3, 1));
    let assembly = world.assemblies.get(&assembly_id()).cloned();
    let opening = |world: &World, id: &str, key: Option<BallotKeyId>| {
        world.motions[&motion_id(id)].open(
            &world.coop,
            assembly.as_ref(),
            facts(world, assembly.as_ref()),
            OpenBallot {
                now: at(HELD_ON),
                today: HELD_ON,
                closes_at: None,
                key,
            },
        )
    };
    for (id, key) in [("s1", None), ("o1", Some(ballot_key()))] {
        assert_eq!(
            opening(&world, id, key).expect_err("mismatch").code(),
            "ballot-key-mismatch"
        );
    }
    let changes = opening(&world, "s1", Some(ballot_key())).expect("with its key");
    let Event::BallotOpened(opened) = &changes[0].event else {
        panic!("an opening")
    };
    assert_eq!(opened.key, Some(ballot_key()));
    world.record(changes);
    assert_eq!(
        world.motions[&motion_id("s1")].ballot_key(),
        Some(&ballot_key())
    );
}

/// W1: a secret ballot's key is never disclosed with its count; the key of a ballot whose
/// results were only hidden is, so that its votes read as an open ballot's.
#[test]
fn w1_only_a_hidden_ballots_key_is_disclosed_with_its_count() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    put_sealed(&mut world, "s1", true);
    open(&mut world, "s1").expect("opens");
    let error = count_sealed(&mut world, "s1", Some("ab".repeat(32))).expect_err("secret");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::W1), "secret-ballot-key-disclosed")
    );

    let mut world = convened(EXAMPLE_STATUTE, 3);
    put_sealed(&mut world, "h1", false);
    open(&mut world, "h1").expect("opens");
    let error = count_sealed(&mut world, "h1", None).expect_err("hidden");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::W1), "ballot-key-not-disclosed")
    );
    let mut world = convened(EXAMPLE_STATUTE, 3);
    put_sealed(&mut world, "h1", false);
    open(&mut world, "h1").expect("opens");
    let changes = count_sealed(&mut world, "h1", Some("ab".repeat(32))).expect("disclosed");
    assert!(matches!(
        &changes[1].event,
        Event::BallotKeyDisclosed(d) if d.key == ballot_key() && d.disclosed == "ab".repeat(32)
    ));
    world.record(changes);
    let motion = &world.motions[&motion_id("h1")];
    assert_eq!(motion.disclosed_key(), Some("ab".repeat(32).as_str()));
    assert_eq!(motion.ballot_key(), None, "nothing left to keep secret");
}

/// W1, § 51 (1) GenG: given a secret ballot resolved on 15 March 2027, when its key is to be
/// destroyed, then not before it is counted, not while the resolution can be contested (to
/// 15 April), and on 16 April once, with an event that says so.
#[test]
fn w1_a_secret_ballots_key_is_destroyed_once_the_resolution_can_no_longer_be_contested() {
    let mut world = convened(EXAMPLE_STATUTE, 3);
    put_sealed(&mut world, "s1", true);
    open(&mut world, "s1").expect("opens");
    let destroy = |world: &World, today: Date| {
        world.motions[&motion_id("s1")].destroy_ballot_key(DestroyBallotKey {
            resolved_on: HELD_ON,
            today,
        })
    };
    let error = destroy(&world, date(2027, 6, 1)).expect_err("not counted");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::W1), "ballot-not-counted")
    );
    let changes = count_sealed(&mut world, "s1", None).expect("counted");
    world.record(changes);
    assert_eq!(Motion::contestable_until(HELD_ON), date(2027, 4, 15));
    let error = destroy(&world, date(2027, 4, 15)).expect_err("still contestable");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::W1), "contest-period-running")
    );
    let changes = destroy(&world, date(2027, 4, 16)).expect("the month has passed");
    assert!(matches!(
        &changes[0].event,
        Event::BallotKeyDestroyed(d) if d.key == ballot_key() && d.destroyed_on == date(2027, 4, 16)
    ));
    world.record(changes);
    let motion = &world.motions[&motion_id("s1")];
    assert!(motion.key_destroyed());
    assert_eq!(motion.ballot_key(), None);
    assert_eq!(
        destroy(&world, date(2027, 4, 17)).expect_err("once").code(),
        "ballot-key-destroyed"
    );
}

proptest::proptest! {
    /// W1, § 51 (1) GenG with §§ 187, 188, 193 BGB: for any day of a resolution, the key is
    /// kept until the end of the day of the next month with the same number (that month's
    /// last day where it has none), moved past a Saturday or Sunday to the Monday.
    #[test]
    fn w1_the_contest_period_is_one_month_moved_past_a_weekend(days in 0i32..20_000) {
        use jiff::ToSpan as _;
        let resolved_on = date(2000, 1, 1).checked_add(days.days()).expect("a day");
        let until = Motion::contestable_until(resolved_on);
        let month_later = resolved_on.checked_add(1.month()).expect("a day");
        proptest::prop_assert!(!matches!(
            until.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ));
        proptest::prop_assert!(until >= month_later);
        proptest::prop_assert!(until <= month_later.checked_add(2.days()).expect("a day"));
        let months = |d: Date| i32::from(d.year()) * 12 + i32::from(d.month());
        proptest::prop_assert_eq!(months(month_later), months(resolved_on) + 1);
        if resolved_on.day() <= 28 {
            proptest::prop_assert_eq!(month_later.day(), resolved_on.day());
        } else {
            proptest::prop_assert!(month_later.day() == resolved_on.day() || month_later == month_later.last_of_month());
        }
    }
}

/// G43-6: the discharge excludes the officers it discharges.
#[test]
fn g43_6_officers_are_out_of_the_electorate_of_their_discharge() {
    let mut world = convened(EXAMPLE_STATUTE, 5);
    let discharge = MotionKind::Discharge {
        officers: [no(1), no(2)].into(),
        year: 2026,
    };
    put(&mut world, "d1", discharge, date(2027, 3, 1));
    open(&mut world, "d1").expect("opens");
    let error = vote(&mut world, "d1", 1, Choice::Yes).expect_err("own discharge");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43_6), "own-discharge"),
        "its own rule and code, not a late admission's"
    );
    vote(&mut world, "d1", 3, Choice::Yes).expect("not discharged");
}

/// G43-3: given a statute granting up to 3 votes and member 1 granted 3, when five members
/// vote yes and five no on an investment and on the dissolution: in a cooperative of ten
/// firms (the entrepreneurs' regime) member 1 exercises only a tenth of the 12 votes present
/// and keeps their votes in the dissolution; in one of five firms and five citizens (the
/// ordinary regime) their 3 votes count whole, but the dissolution is decided one vote each.
#[test]
fn g43_3_granted_votes_weigh_by_the_regime_of_the_members() {
    let statute = EXAMPLE_STATUTE.replace(
        "[assembly]",
        "[voting]\nmultiple_votes_max = 3\n\n[assembly]",
    );
    let firms = |n: u32| n <= 5;
    for entrepreneurs in [true, false] {
        let mut world = if entrepreneurs {
            convened(&statute, 10)
        } else {
            convened_with(&statute, 10, firms)
        };
        let grant = |votes: u8| crate::GrantVotes {
            votes,
            reason: "runs the shared workshop".into(),
            granted_on: date(2027, 3, 1),
            today: date(2027, 3, 1),
        };
        let error = world
            .member(1)
            .grant_votes(&world.coop, grant(4))
            .expect_err("above the statute");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G43_3), "votes-above-statute")
        );
        let changes = world
            .member(1)
            .grant_votes(&world.coop, grant(3))
            .expect("within the statute");
        world.record(changes);
        put(&mut world, "m1", laser_cutter(), date(2027, 3, 1));
        put(&mut world, "d1", MotionKind::Dissolution, date(2027, 3, 1));
        for id in ["m1", "d1"] {
            open(&mut world, id).expect("opens");
            for member in 1..=10 {
                let choice = if member <= 5 { Choice::Yes } else { Choice::No };
                vote(&mut world, id, member, choice).expect("a voter");
            }
        }
        assert_eq!(voter_state(&world, "m1", 1).voter.map(|v| v.votes), Some(3));
        let tally = close_and_count(&mut world, "m1")
            .expect("counts")
            .tally
            .expect("a decision");
        assert!(tally.adopted, "{tally:?}");
        let dissolution_votes = voter_state(&world, "d1", 1).voter.map(|v| v.votes);
        let dissolution = close_and_count(&mut world, "d1").expect("counts");
        assert_eq!(
            dissolution.outcome,
            Outcome::Rejected,
            "5 of 10 is no three quarters"
        );
        if entrepreneurs {
            assert!(tally.multiple_votes_capped, "3 votes above a tenth of 12");
            assert_eq!(
                (tally.yes * 10, tally.no * 10),
                (52 * tally.denominator, 50 * tally.denominator),
                "4 + 1.2 against 5"
            );
            assert_eq!(dissolution_votes, Some(3), "no one-vote rule");
        } else {
            assert!(!tally.multiple_votes_capped);
            assert_eq!((tally.yes, tally.no), (7, 5));
            assert_eq!(dissolution_votes, Some(1), "one vote each (G78)");
        }
    }
}

/// G43a: the members elect their delegates secretly, directly and one vote each; the most
/// votes win the statute's seats; at the assembly of delegates only the delegates vote, one
/// vote each and in person.
#[test]
fn g43a_members_elect_delegates_who_alone_vote_at_their_assembly() {
    let forms = "forms = [\"in-person\", \"hybrid\"]";
    let text = EXAMPLE_STATUTE.replace(forms, &format!("{forms}\ndelegates = {{ seats = 50 }}"));
    let mut world = convened(&text, 62);
    let coop = world.coop.clone();
    let general = world.assemblies.get(&assembly_id()).cloned();
    let candidates: Vec<MemberNo> = (6..=62).map(no).collect();
    let election = |secret: bool, assembly: Option<&Assembly>, id: &str| {
        Motion::default().put_motion(
            &coop,
            assembly,
            PutMotion {
                motion: motion_id(id),
                assembly: assembly.map(|a| a.convened().expect("convened").assembly.clone()),
                title: "Election of the delegates 2027-2031".into(),
                proposal: MotionKind::DelegateElection {
                    candidates: candidates.clone(),
                    seats: 0,
                },
                secret,
                results_hidden: false,
                votes_changeable: false,
                announced_on: date(2027, 3, 1),
                today: date(2027, 3, 1),
            },
        )
    };
    let error = election(false, general.as_ref(), "e0").expect_err("an open election");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43a), "delegate-election-not-secret")
    );
    let changes = election(true, general.as_ref(), "e1").expect("a secret election");
    let Event::MotionPut(put) = &changes[0].event else {
        panic!("{changes:?}")
    };
    assert!(
        matches!(put.proposal, MotionKind::DelegateElection { seats: 50, .. }),
        "the seats are the statute's"
    );
    world.record(changes);
    // Officers of the board and the supervisory board are no candidates.
    let membership = |m: MemberNo| world.members.get(&m).and_then(Member::membership);
    let error = delegates::check_candidates(&world.coop, &[no(6), no(3)], membership, HELD_ON)
        .expect_err("member 3 sits on the supervisory board");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43a), "candidate-holds-office")
    );
    delegates::check_candidates(&world.coop, &candidates, membership, HELD_ON)
        .expect("members without office");

    open(&mut world, "e1").expect("opens");
    let opened = world.motions[&motion_id("e1")].opened().expect("open");
    assert!(opened.weighting.one_vote_each, "equally: one vote each");
    let sealed = |n: u32| CastVote {
        voter: no(n),
        cast_by: no(n),
        mark: Mark::Options((0..50).collect()),
        sealed: Some(crate::coop::tests_support::person(1000 + n)),
        channel: Channel::InPerson,
        now: at(HELD_ON),
    };
    let motion = world.motions[&motion_id("e1")].clone();
    let by_proxy = CastVote {
        cast_by: no(2),
        ..sealed(7)
    };
    let error = motion
        .cast(&voter_state(&world, "e1", 7), by_proxy)
        .expect_err("directly");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43a), "vote-in-person")
    );
    let too_many = CastVote {
        mark: Mark::Options((0..51).collect()),
        ..sealed(7)
    };
    assert_eq!(
        motion
            .cast(&voter_state(&world, "e1", 7), too_many)
            .expect_err("51 marks for 50 seats")
            .code(),
        "vote-malformed"
    );
    world.record(
        motion
            .cast(&voter_state(&world, "e1", 7), sealed(7))
            .expect("a sealed vote"),
    );
    // The count: ten members mark the first 50 candidates, one member the last two.
    world.record(motion.close(at(HELD_ON)).expect("closes"));
    let motion = world.motions[&motion_id("e1")].clone();
    let voter = |n: u32| {
        voter_state(&world, "e1", n)
            .voter
            .expect("in the electorate")
    };
    let mut ballots: Vec<(Voter, Mark)> = (1..=10)
        .map(|n| (voter(n), Mark::Options((0..50).collect())))
        .collect();
    ballots.push((voter(11), Mark::Options(vec![55, 56])));
    let result = motion.result(&ballots, 62, 99).expect("counted");
    assert_eq!(result.outcome, Outcome::Adopted);
    assert_eq!(result.survey[0], 10);
    assert_eq!(result.survey[56], 1);
    let changes = motion
        .count(
            &world.coop,
            &Member::default(),
            62,
            crate::OrganFacts::default(),
            HELD_ON,
            result,
            None,
        )
        .expect("recorded");
    world.record(changes);
    let elected = world.coop.delegates().clone();
    assert_eq!(elected.len(), 50);
    assert!(elected.contains(&no(6)) && elected.contains(&no(55)));
    assert!(!elected.contains(&no(61)), "one vote loses to ten");

    // The assembly of delegates: only with more members than the statute names.
    let delegates_assembly = AssemblyId::parse("d1").expect("valid");
    let convene = |members: usize| {
        Assembly::default().convene(
            &coop,
            MemberCounts {
                members,
                delegates_in_office: elected.len(),
            },
            Convene {
                assembly: delegates_assembly.clone(),
                form: AssemblyForm::InPerson,
                convened_on: date(2027, 3, 1),
                held_on: HELD_ON,
                place: "Stadthalle".into(),
                chair: no(6),
                agenda: vec!["Joint purchasing of timber".into()],
                demanded_by: vec![],
                delegates: true,
                participation: None,
                discussion: None,
                today: date(2027, 3, 1),
            },
        )
    };
    let error = convene(60).expect_err("60 members");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43a), "too-few-members-for-delegates")
    );
    world.record(convene(1501).expect("above 1,500 members"));
    let assembly = world.assemblies.get(&delegates_assembly).cloned();
    let error = election(true, assembly.as_ref(), "e2").expect_err("delegates elect nobody");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43a), "delegates-elected-by-members")
    );
    let changes = Motion::default()
        .put_motion(
            &coop,
            assembly.as_ref(),
            PutMotion {
                motion: motion_id("t1"),
                assembly: Some(delegates_assembly.clone()),
                title: "Joint purchasing of timber".into(),
                proposal: MotionKind::General {
                    text: "The network buys timber jointly from 2027".into(),
                },
                secret: false,
                results_hidden: false,
                votes_changeable: false,
                announced_on: date(2027, 3, 1),
                today: date(2027, 3, 1),
            },
        )
        .expect("a motion");
    world.record(changes);
    open_at(&mut world, "t1", &delegates_assembly).expect("opens");
    let opened = world.motions[&motion_id("t1")].opened().expect("open");
    assert_eq!(opened.weighting.delegates.as_ref(), Some(&elected));
    let error = vote(&mut world, "t1", 1, Choice::Yes).expect_err("member 1 is no delegate");
    assert_eq!(
        (error.rule_id(), error.code()),
        (Some(Rule::G43a), "not-a-delegate")
    );
    let error = vote_by(&mut world, "t1", 7, 6, Mark::Choice(Choice::Yes))
        .expect_err("delegates vote in person");
    assert_eq!(error.code(), "vote-in-person");
    vote(&mut world, "t1", 6, Choice::Yes).expect("a delegate");
    let result = close_and_count(&mut world, "t1").expect("counted");
    assert_eq!(result.electorate, 50, "the delegates, not the 62 members");
    assert_eq!(result.outcome, Outcome::Adopted);
}
