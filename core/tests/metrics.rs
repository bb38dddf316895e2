//! NPS, CSAT and CES exactly as PRODUCT.md defines them.

use touchpoint_core::stats::{Ces, Csat, Nps};

#[test]
fn nps_is_promoters_minus_detractors() {
    // 5 promoters, 3 passives, 2 detractors out of 10 -> 50% - 20% = +30.
    let n = Nps::from_scores([10, 9, 9, 10, 9, 8, 7, 7, 6, 0]);
    assert_eq!((n.promoters, n.passives, n.detractors), (5, 3, 2));
    assert_eq!(n.score(), Some(30.0));
}

#[test]
fn nps_band_edges() {
    assert_eq!(Nps::from_scores([9]).score(), Some(100.0));
    assert_eq!(Nps::from_scores([8, 7]).score(), Some(0.0));
    assert_eq!(Nps::from_scores([6]).score(), Some(-100.0));
    assert_eq!(Nps::from_scores([]).score(), None);
}

#[test]
fn nps_ignores_off_scale_scores() {
    let n = Nps::from_scores([10, 11, -1]);
    assert_eq!((n.responses, n.ignored), (1, 2));
    assert_eq!(n.score(), Some(100.0));
}

#[test]
fn csat_is_the_share_of_fours_and_fives() {
    let c = Csat::from_scores([5, 4, 3, 2, 1, 4, 0, 6]);
    assert_eq!((c.responses, c.satisfied, c.ignored), (6, 3, 2));
    assert_eq!(c.score(), Some(50.0));
}

#[test]
fn ces_reports_mean_and_easy_share_on_its_scale() {
    let c7 = Ces::from_scores(Some(7), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!((c7.responses, c7.easy, c7.ignored), (7, 3, 1));
    assert_eq!(c7.mean(), Some(4.0));
    let c5 = Ces::from_scores(Some(5), [1, 2, 3, 4, 5, 7]);
    assert_eq!((c5.responses, c5.easy, c5.ignored), (5, 2, 1));
    assert_eq!(c5.easy_percent(), Some(40.0));
    assert_eq!(Ces::from_scores(None, []).mean(), None);
}

#[test]
fn counts_give_exactly_what_the_scores_give() {
    let scores = [10, 9, 9, 10, 9, 8, 7, 7, 6, 0, 11, -1];
    let counts = [(10, 2), (9, 3), (8, 1), (7, 2), (6, 1), (0, 1), (11, 1), (-1, 1)];
    assert_eq!(Nps::from_counts(counts), Nps::from_scores(scores));
    assert_eq!(Csat::from_counts([(5, 2), (4, 1), (3, 3), (0, 1)]), Csat::from_scores([5, 5, 4, 3, 3, 3, 0]));
    let ces = Ces::from_counts(Some(7), [(1, 4), (3, 2), (4, 1), (7, 1), (8, 2)]);
    assert_eq!(ces, Ces::from_scores(Some(7), [1, 1, 1, 1, 3, 3, 4, 7, 8, 8]));
    assert_eq!((ces.responses, ces.easy, ces.ignored), (8, 6, 2));
    assert_eq!(ces.mean(), Some(21.0 / 8.0));
}

/// `(low, high)` to 0.01.
fn close(got: Option<(f64, f64)>, want: (f64, f64)) {
    let (low, high) = got.expect("an interval");
    assert!((low - want.0).abs() < 0.01 && (high - want.1).abs() < 0.01, "got ({low}, {high}), want {want:?}");
}

#[test]
fn share_intervals_are_wilson_intervals() {
    // The textbook case: 8 of 10 -> 49.0% to 94.3%.
    close(touchpoint_core::stats::share_interval(8, 10), (49.02, 94.33));
    // No successes still leaves room above 0, and never below it.
    close(Csat::from_scores([1; 10]).interval(), (0.0, 27.75));
    close(Csat::from_scores([5; 10]).interval(), (72.25, 100.0));
    assert_eq!(Csat::from_scores([]).interval(), None);
    // More answers, a narrower interval around the same share.
    let few = Csat::from_scores([5, 5, 1, 1]).interval().unwrap();
    let many = Csat::from_scores([[5, 5, 1, 1]; 25].concat()).interval().unwrap();
    assert!(many.0 > few.0 && many.1 < few.1 && many.0 < 50.0 && many.1 > 50.0);
    // A response rate over 100% (responses without their impressions) has none.
    assert_eq!(touchpoint_core::stats::share_interval(3, 2), None);
}

#[test]
fn nps_interval_is_adjusted_wald() {
    // 3 promoters, 1 passive, 2 detractors: +16.7, interval -43.9 to +66.2.
    let n = Nps::from_scores([10, 9, 9, 8, 3, 0]);
    close(n.interval(), (-43.93, 66.16));
    // Three promoters are +100, but not a zero-width certainty; capped at 100.
    let all = Nps::from_scores([10, 10, 9]);
    assert_eq!(all.score(), Some(100.0));
    close(all.interval(), (-6.58, 100.0));
    assert_eq!(Nps::from_scores([]).interval(), None);
}

#[test]
fn nps_difference_between_variants() {
    let scores = |p: usize, pa: usize, d: usize| [vec![10; p], vec![7; pa], vec![2; d]].concat();
    let a = Nps::from_scores(scores(50, 40, 10));
    let b = Nps::from_scores(scores(30, 40, 30));
    let diff = a.difference(&b).unwrap();
    assert_eq!(diff.value, 40.0);
    close(Some(diff.interval), (19.11, 58.56));
    assert!(diff.is_clear());
    // Two answers each: the same gap is nowhere near clear.
    let small = Nps::from_scores([10, 7]).difference(&Nps::from_scores([2, 7])).unwrap();
    assert_eq!(small.value, 100.0);
    assert!(!small.is_clear(), "{small:?}");
    assert_eq!(a.difference(&Nps::default()), None);
}

#[test]
fn share_difference_is_agresti_caffo() {
    let diff = Csat::from_scores([[5; 30].as_slice(), &[1; 20]].concat())
        .difference(&Csat::from_scores([[5; 20].as_slice(), &[1; 30]].concat()))
        .unwrap();
    assert_eq!(diff.value, 20.0);
    close(Some(diff.interval), (0.37, 38.09));
    assert!(diff.is_clear());
    let none = touchpoint_core::stats::share_difference((3, 10), (3, 10)).unwrap();
    assert_eq!(none.value, 0.0);
    assert!(!none.is_clear());
}

#[test]
fn ces_mean_interval_is_student_t() {
    // Mean 3, sample sd 1.58, 4 degrees of freedom (t = 2.776): 1.04 to 4.96.
    let c = Ces::from_scores(Some(7), [1, 2, 3, 4, 5]);
    close(c.mean_interval(), (1.04, 4.96));
    close(c.easy_interval(), (23.07, 88.24));
    // Kept on the scale.
    close(Ces::from_scores(Some(5), [1, 5]).mean_interval(), (1.0, 5.0));
    assert_eq!(Ces::from_scores(Some(7), [3]).mean_interval(), None);
}

#[test]
fn ces_difference_is_welch() {
    let easy = Ces::from_scores(Some(7), [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
    let hard = Ces::from_scores(Some(7), [5, 6, 5, 6, 5, 6, 5, 6, 5, 6]);
    let diff = easy.difference(&hard).unwrap();
    assert_eq!(diff.value, -4.0);
    // Equal variances 0.278 and n = 10: se 0.236, df 18, t 2.101.
    close(Some(diff.interval), (-4.50, -3.50));
    assert!(diff.is_clear());
    // Answers on another scale are not compared.
    assert_eq!(easy.difference(&Ces::from_scores(Some(5), [1, 2, 3])), None);
}

#[test]
fn answers_in_a_band_are_exactly_its_scores() {
    use touchpoint_core::flow::Band;
    use touchpoint_core::Metric::{Ces, Csat, Nps};
    let detractors: Vec<u8> = Band::answers_in(&[Band::Detractor])
        .iter()
        .map(|&(m, s, n)| {
            assert_eq!((m, s), (Nps, None));
            n
        })
        .collect();
    assert_eq!(detractors, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(Band::answers_in(&[Band::Promoter]), [(Nps, None, 9), (Nps, None, 10)]);
    assert_eq!(Band::answers_in(&[Band::High]), [(Csat, None, 4), (Csat, None, 5)]);
    // CES "easy" is below the midpoint of the scale kept with the answer.
    assert_eq!(
        Band::answers_in(&[Band::Easy]),
        [(Ces, Some(5), 1), (Ces, Some(5), 2), (Ces, Some(7), 1), (Ces, Some(7), 2), (Ces, Some(7), 3)]
    );
    // Bands of different metrics together; every answer of every scale once.
    assert_eq!(Band::answers_in(&[Band::Low, Band::Hard]).len(), 3 + 3 + 4);
    let all = [Band::Detractor, Band::Passive, Band::Promoter, Band::Low, Band::High, Band::Easy, Band::Hard];
    assert_eq!(Band::answers_in(&all).len(), 11 + 5 + 5 + 7);
    assert!(Band::answers_in(&[]).is_empty());
}

#[test]
fn answers_needed_to_tell_variants_apart() {
    use touchpoint_core::stats::{answers_needed, Ces, Csat, Nps, PLANNING_MIN_ANSWERS};
    // 2 (1.959964 + 0.841621)^2 = 15.697758: times the variance over the difference squared.
    // NPS with too few answers to plan on: the largest variance, 100^2; 10 points: 1569.78 -> 1570.
    let few = Nps::from_scores([10, 9, 6]);
    assert_eq!(few.planning_variance(), 1e4);
    assert_eq!(answers_needed(few.planning_variance(), 10.0), Some(1570));
    // 20 promoters, 10 passives, 10 detractors: adjusted p = 20.75/43, d = 10.75/43;
    // p + d - (p - d)^2 = 0.678475 -> 6784.75 points^2; 10 points: 1065.05 -> 1066.
    let mut scores = vec![10; 20];
    scores.extend([7; 10]);
    scores.extend([3; 10]);
    let mixed = Nps::from_scores(scores);
    assert!((mixed.planning_variance() - 6784.748).abs() < 0.01, "{}", mixed.planning_variance());
    assert_eq!(answers_needed(mixed.planning_variance(), 10.0), Some(1066));
    // Twice the difference, a quarter of the answers (rounded up).
    assert_eq!(answers_needed(mixed.planning_variance(), 20.0), Some(267));
    // CSAT: p = 0.5 until it has 30 answers: 2500 -> 392.44 -> 393 for 10 points.
    assert_eq!(answers_needed(Csat::from_scores([5, 4]).planning_variance(), 10.0), Some(393));
    // 30 answers, 24 satisfied: p = 25/32, p(1 - p) = 0.170898 -> 268.27 -> 269.
    let satisfied = Csat::from_scores([5; 24].into_iter().chain([2; 6]));
    assert_eq!(satisfied.responses, PLANNING_MIN_ANSWERS);
    assert_eq!(answers_needed(satisfied.planning_variance(), 10.0), Some(269));
    // CES on 7 points: (49 - 1)/12 = 4 until 30 answers; half a point: 251.16 -> 252. On 5 points: 2 -> 126.
    assert_eq!(answers_needed(Ces::from_scores(Some(7), [1, 2]).planning_variance(), 0.5), Some(252));
    assert_eq!(answers_needed(Ces::from_scores(Some(5), []).planning_variance(), 0.5), Some(126));
    // 30 answers: half 1s, half 3s on 5 points: sample variance 30/29 = 1.0345 -> 64.96 -> 65.
    let ces = Ces::from_scores(Some(5), [1; 15].into_iter().chain([3; 15]));
    assert_eq!(answers_needed(ces.planning_variance(), 0.5), Some(65));
    // No difference to find, or nonsense, plans nothing.
    assert_eq!(answers_needed(1e4, 0.0), None);
    assert_eq!(answers_needed(-1.0, 10.0), None);
    assert_eq!(answers_needed(f64::NAN, 10.0), None);
    // Identical answers still need one each.
    assert_eq!(answers_needed(0.0, 10.0), Some(1));
}
