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
