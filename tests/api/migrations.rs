use crate::support::TestDatabase;

#[actix_web::test]
async fn every_migration_reverts_and_reapplies() {
    let database = TestDatabase::create_empty();
    let applied = yhdyspinta::db::migrate(&database.url).await.expect("up");
    assert!(!applied.is_empty());
    let reverted = yhdyspinta::db::revert_all(&database.url).await.expect("down");
    assert_eq!(reverted.len(), applied.len());
    let again = yhdyspinta::db::migrate(&database.url).await.expect("up again");
    assert_eq!(again, applied);
    assert!(yhdyspinta::db::migrate(&database.url).await.expect("no-op").is_empty());
}
