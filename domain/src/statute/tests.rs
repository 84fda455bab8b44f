use super::*;

fn with(from: &str, to: &str) -> Result<Statute, DomainError> {
    assert!(EXAMPLE_STATUTE.contains(from), "the example has {from:?}");
    Statute::parse_toml(&EXAMPLE_STATUTE.replace(from, to))
}

#[test]
fn the_example_statute_is_valid() {
    let statute = Statute::parse_toml(EXAMPLE_STATUTE).expect("valid");
    assert_eq!(statute.share_amount().to_string(), "500.00");
    assert_eq!(statute.notice_period_months(), 12);
}

/// G7: the paid-in part is at least one tenth of the share amount.
#[test]
fn g7_a_paid_in_part_below_one_tenth_is_refused() {
    let error = with(
        "paid_in_minimum = \"100.00\"",
        "paid_in_minimum = \"49.99\"",
    )
    .expect_err("below a tenth");
    assert_eq!(error.rule_id(), Some(Rule::G7));
    assert_eq!(error.field(), Some("statute.shares.paid_in_minimum"));
    with(
        "paid_in_minimum = \"100.00\"",
        "paid_in_minimum = \"50.00\"",
    )
    .expect("exactly a tenth is enough");
}

/// G65 (§ 65 (2) GenG): given a statute, a notice period of 2 months or of more than 5
/// years is refused — also in an entrepreneurs' cooperative, where 10 years are allowed
/// only for the entrepreneur members and to secure the financing of fixed assets, in a
/// clause of their own; elsewhere that clause is refused.
#[test]
fn g65_notice_periods_outside_the_law_are_refused() {
    let error =
        with("notice_period_months = 12", "notice_period_months = 2").expect_err("too short");
    assert_eq!(error.rule_id(), Some(Rule::G65));
    with("notice_period_months = 12", "notice_period_months = 60").expect("five years");
    let error = with("notice_period_months = 12", "notice_period_months = 120")
        .expect_err("ten years for every member");
    assert_eq!(
        (error.rule_id(), error.field()),
        (
            Some(Rule::G65),
            Some("statute.membership.notice_period_months")
        )
    );
    let longer = "notice_period_months = 12\n\n[membership.entrepreneurs_notice]\nmonths = 120\nfinancing = \"Secures the loans of the shared machine hall\"\n";
    let statute = with("notice_period_months = 12\n", longer).expect("ten years for entrepreneurs");
    assert_eq!(statute.notice_period_months_for(true), 120);
    assert_eq!(statute.notice_period_months_for(false), 12);
    let error = with(
        "notice_period_months = 12\n",
        &longer.replace("months = 120", "months = 121"),
    )
    .expect_err("above ten years");
    assert_eq!(
        error.field(),
        Some("statute.membership.entrepreneurs_notice.months")
    );
    let error = with(
        "notice_period_months = 12\n",
        &longer.replace("\"Secures the loans of the shared machine hall\"", "\"\""),
    )
    .expect_err("no purpose");
    assert_eq!(error.code(), "statute-entrepreneurs-notice-purpose");
    let ordinary = EXAMPLE_STATUTE
        .replace(
            "entrepreneurs_cooperative = true",
            "entrepreneurs_cooperative = false",
        )
        .replace("notice_period_months = 12\n", longer);
    let error = Statute::parse_toml(&ordinary).expect_err("not an entrepreneurs' cooperative");
    assert_eq!(
        (error.rule_id(), error.code()),
        (
            Some(Rule::G65),
            "statute-entrepreneurs-notice-without-entrepreneurs"
        )
    );
}

/// G8-2 (§ 8 (2) S. 2 GenG): the law sets no number for investing members' weight, only
/// that they never outvote the others: a statute may give them up to 49 %, not 50 %.
#[test]
fn g8_2_investing_members_stay_below_half_of_the_weight() {
    with("vote_share_max_percent = 25", "vote_share_max_percent = 49").expect("below one half");
    let error = with("vote_share_max_percent = 25", "vote_share_max_percent = 50")
        .expect_err("a tie would let them block");
    assert_eq!(error.rule_id(), Some(Rule::G8_2));
}

/// G16: the majorities of a statute, each with its rule and whether the statute set it.
#[test]
fn g16_the_majority_rules_say_where_each_majority_comes_from() {
    let rules = Statute::parse_toml(EXAMPLE_STATUTE)
        .expect("valid")
        .majority_rules();
    let amendment = rules
        .iter()
        .find(|r| r.decision == "amendment")
        .expect("listed");
    assert_eq!(
        (amendment.majority, amendment.rule, amendment.set_by_statute),
        (THREE_QUARTERS, Rule::G16, false)
    );
    let simple = with(
        "[assembly]",
        "[voting.majorities]\namendment = \"simple\"\n\n[assembly]",
    )
    .expect("the statute may set less")
    .majority_rules();
    let amendment = simple
        .iter()
        .find(|r| r.decision == "amendment")
        .expect("listed");
    assert_eq!(
        (amendment.majority, amendment.set_by_statute),
        (Majority::Simple, true)
    );
}

/// G16: a statute recorded before Verbund followed § 16 (4) GenG carries a simple majority
/// for other amendments whether or not its text set one; read as its text decided it, a
/// silent statute needs the law's three quarters, one that wrote "simple" keeps it.
#[test]
fn g16_a_statute_recorded_with_the_old_default_is_read_as_its_text_decided_it() {
    let mut recorded = serde_json::to_value(Statute::parse_toml(EXAMPLE_STATUTE).expect("valid"))
        .expect("serializes");
    recorded["voting"]["majorities"]["amendment"] = "simple".into();
    let recorded: Statute = serde_json::from_value(recorded).expect("reads");
    assert_eq!(recorded.majorities().other_amendment(), Majority::Simple);
    let silent = recorded.clone().as_decided(EXAMPLE_STATUTE);
    assert_eq!(silent.majorities().other_amendment(), THREE_QUARTERS);
    let written = EXAMPLE_STATUTE.replace(
        "[assembly]",
        "[voting.majorities]\namendment = \"simple\"\n\n[assembly]",
    );
    let kept = recorded.as_decided(&written);
    assert_eq!(kept.majorities().other_amendment(), Majority::Simple);
}

#[test]
fn unknown_clauses_and_floats_are_refused_with_the_line() {
    let error = with(
        "max_per_member = 20",
        "max_per_member = 20\nmax_per_membr = 3",
    )
    .expect_err("typo");
    assert_eq!(error.code(), "statute-malformed");
    assert!(error.message().contains("line 13"), "{error}");
    assert!(error.message().contains("max_per_membr"), "{error}");
    let error = with("amount = \"500.00\"", "amount = 500.0").expect_err("a float");
    assert!(error.message().contains("as a string"), "{error}");
}

#[test]
fn a_missing_clause_is_refused() {
    let error = with("seat = \"Musterdorf\"\n", "").expect_err("no seat");
    assert!(error.message().contains("seat"), "{error}");
}

#[test]
fn the_name_must_say_eg() {
    let error = with("Dorfhandwerk Musterdorf eG", "Dorfhandwerk Musterdorf GmbH")
        .expect_err("not a cooperative");
    assert_eq!(error.code(), "statute-name-without-eg");
}

/// G8-2, G43-3, G43-5, G16, G78, G7a: each optional section is checked against the law.
#[test]
fn optional_sections_are_held_to_the_law() {
    let cases = [
        (
            "vote_share_max_percent = 25",
            "vote_share_max_percent = 50",
            Rule::G8_2,
            "statute.investing_members.vote_share_max_percent",
        ),
        (
            "[assembly]",
            "[voting]\nmultiple_votes_max = 0\n\n[assembly]",
            Rule::G43_3,
            "statute.voting.multiple_votes_max",
        ),
        (
            "[assembly]",
            "[proxies]\nprincipals_max = 3\n\n[assembly]",
            Rule::G43_5,
            "statute.proxies.principals_max",
        ),
        (
            "[assembly]",
            "[voting.majorities]\namendment_qualified = \"2/3\"\n\n[assembly]",
            Rule::G16,
            "statute.voting.majorities.amendment_qualified",
        ),
        (
            "[assembly]",
            "[voting.majorities]\ndissolution = \"simple\"\n\n[assembly]",
            Rule::G78,
            "statute.voting.majorities.dissolution",
        ),
        (
            "max_per_member = 20",
            "max_per_member = 20\nmandatory = { basis = \"equal\", shares = 21 }",
            Rule::G7a,
            "statute.shares.mandatory",
        ),
    ];
    for (from, to, rule, field) in cases {
        let error = with(from, to).expect_err(to);
        assert_eq!(
            (error.rule_id(), error.field()),
            (Some(rule), Some(field)),
            "{to}"
        );
    }
    with(
        "[assembly]",
        "[voting.majorities]\namendment = \"2/3\"\ndissolution = \"9/10\"\n\n[assembly]",
    )
    .expect("the statute may ask more than the law");
    let error = with(
        "[assembly]",
        "[voting.majorities]\nordinary = \"1/3\"\n\n[assembly]",
    )
    .expect_err("not a majority");
    assert_eq!(error.code(), "statute-malformed");
}

/// G43-2, G16: majorities count yes against the votes cast, exactly.
#[test]
fn majorities_are_exact_fractions_of_the_votes_cast() {
    let three_quarters = Majority::parse("3/4").expect("valid");
    assert!(three_quarters.is_reached(75, 100));
    assert!(!three_quarters.is_reached(74, 100));
    assert!(!three_quarters.is_reached(0, 0));
    assert!(Majority::Simple.is_reached(2, 3));
    assert!(!Majority::Simple.is_reached(1, 2));
    assert!(three_quarters.is_at_least(Majority::Simple));
    assert!(!Majority::Simple.is_at_least(three_quarters));
    assert_eq!(three_quarters.to_string(), "3/4");
}

/// G43a: an assembly of delegates only above 1,500 members, with at least 50 delegates.
#[test]
fn g43a_delegates_above_1500_members_at_least_50_of_them() {
    let forms = "forms = [\"in-person\", \"hybrid\"]";
    let statute = with(
        forms,
        &format!("{forms}\ndelegates = {{ above_members = 3000, seats = 80 }}"),
    )
    .expect("valid");
    assert_eq!(
        statute.delegate_assembly(),
        Some(DelegateAssembly {
            above_members: 3000,
            seats: 80
        })
    );
    let default = with(forms, &format!("{forms}\ndelegates = {{ seats = 50 }}")).expect("valid");
    assert_eq!(
        default.delegate_assembly().map(|d| d.above_members),
        Some(1500)
    );
    assert_eq!(
        Statute::parse_toml(EXAMPLE_STATUTE)
            .expect("valid")
            .delegate_assembly(),
        None
    );
    for (clause, code) in [
        (
            "delegates = { above_members = 1499, seats = 50 }",
            "statute-delegates-below-law",
        ),
        (
            "delegates = { seats = 49 }",
            "statute-delegate-seats-out-of-range",
        ),
    ] {
        let error = with(forms, &format!("{forms}\n{clause}")).expect_err(clause);
        assert_eq!((error.rule_id(), error.code()), (Some(Rule::G43a), code));
    }
}
