use touchpoint_core::search::{fold, fold_for_search};

#[test]
fn fold_lowers_every_script_and_final_sigma() {
    assert_eq!(fold("Livraison ÉTAIT"), "livraison était");
    assert_eq!(fold("GRÖẞE"), "größe");
    assert_eq!(fold("ДОСТАВКА"), "доставка");
    assert_eq!(fold("ΤΕΛΟΣ τέλος"), "τελοσ τέλοσ");
    assert_eq!(fold("配送が遅い"), "配送が遅い");
}

#[test]
fn stored_only_when_sqlite_lower_would_not_give_it() {
    // lower() folds A-Z: nothing to store for these.
    assert_eq!(fold_for_search("Delivery was LATE"), None);
    assert_eq!(fold_for_search("était en retard"), None);
    assert_eq!(fold_for_search("配送が遅い"), None);
    // A capital outside A-Z, or a final sigma: the folded text is stored.
    assert_eq!(fold_for_search("Était LATE").as_deref(), Some("était late"));
    assert_eq!(fold_for_search("Доставка").as_deref(), Some("доставка"));
    assert_eq!(fold_for_search("τέλος").as_deref(), Some("τέλοσ"));
}
