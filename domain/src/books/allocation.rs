//! Splitting an amount by weights (a levy over members, a profit share): the largest-remainder
//! method, in whole cents, so that the parts always sum to the whole.

use crate::{DomainError, Money};

/// Splits `total` into parts proportional to `weights`: every part is its exact share rounded
/// down to the cent, and the cents left over go one each to the parts with the largest
/// remainders (the earlier part first where remainders tie). So the parts sum exactly to
/// `total`, and parts of equal weight differ by at most one cent.
///
/// A negative total is split as its amount and the parts negated. Weights of zero get zero;
/// all weights zero (or none) is an error, since nobody could carry the amount.
pub fn allocate(total: Money, weights: &[u64]) -> Result<Vec<Money>, DomainError> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return Err(DomainError::invalid(
            "allocation-without-weights",
            "key",
            "the amount has nobody to be split over: every weight is zero",
        ));
    }
    let negative = total.cents() < 0;
    let cents = u128::from(total.cents().unsigned_abs());
    let mut parts: Vec<u128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (i, &weight) in weights.iter().enumerate() {
        let exact = cents * u128::from(weight);
        parts.push(exact / sum);
        remainders.push((exact % sum, i));
    }
    let given: u128 = parts.iter().sum();
    let left = usize::try_from(cents - given).expect("fewer cents left than parts");
    // Largest remainder first; on a tie the earlier part.
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(left) {
        parts[i] += 1;
    }
    Ok(parts
        .into_iter()
        .map(|part| {
            let part = i64::try_from(part).expect("a part is at most the whole");
            Money::from_cents(if negative { -part } else { part })
                .expect("a part is at most the whole")
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn euros(text: &str) -> Money {
        Money::parse(text).expect("valid")
    }

    #[test]
    fn a_hundred_euros_over_three_equal_members_leaves_one_cent_to_the_first() {
        let parts = allocate(euros("100.00"), &[1, 1, 1]).expect("allocated");
        assert_eq!(parts, vec![euros("33.34"), euros("33.33"), euros("33.33")]);
    }

    #[test]
    fn weights_of_zero_carry_nothing_and_no_weights_is_an_error() {
        let parts = allocate(euros("10.00"), &[0, 3, 1]).expect("allocated");
        assert_eq!(parts, vec![euros("0.00"), euros("7.50"), euros("2.50")]);
        assert!(allocate(euros("10.00"), &[0, 0]).is_err());
        assert!(allocate(euros("10.00"), &[]).is_err());
    }

    proptest! {
        /// The parts always sum to the whole, each is within a cent of its exact share, and
        /// parts of equal weight differ by at most one cent.
        #[test]
        fn allocations_sum_to_the_whole_and_equal_keys_differ_by_at_most_a_cent(
            cents in -10_000_000_000i64..10_000_000_000,
            weights in proptest::collection::vec(0u64..1_000_000, 1..60),
        ) {
            prop_assume!(weights.iter().any(|&w| w > 0));
            let total = Money::from_cents(cents).expect("in range");
            let parts = allocate(total, &weights).expect("allocated");
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().map(|p| p.cents()).sum::<i64>(), cents);
            let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
            for (part, &weight) in parts.iter().zip(&weights) {
                let exact_times_sum = i128::from(cents) * i128::from(weight);
                let diff = i128::from(part.cents()) * sum - exact_times_sum;
                prop_assert!(diff.abs() < sum, "part {} for weight {}", part, weight);
            }
            for (i, a) in weights.iter().enumerate() {
                for (j, b) in weights.iter().enumerate() {
                    if a == b {
                        prop_assert!((parts[i].cents() - parts[j].cents()).abs() <= 1);
                    }
                }
            }
        }
    }
}
