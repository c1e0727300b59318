//! Anonymous first pages read public rows alone, however many private ones there are: each
//! list is run on a connection whose own statistics (`pg_stat_xact_user_tables`) then say how
//! the table was read.

use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
use yhdyspinta::db::Conn;
use yhdyspinta::domain::access::Actor;
use yhdyspinta::domain::context::Cx;
use yhdyspinta::domain::event_series::occurrences;
use yhdyspinta::domain::organizations::OrganizationKind;
use yhdyspinta::domain::types::pagination::ListQuery;
use yhdyspinta::domain::{agreements, event_series, indicators, networks, removals};

use crate::support::{TestApp, fixtures};

/// Private rows in each table, and the page size asked for.
const PRIVATE_ROWS: i64 = 20_000;
const PAGE: i64 = 20;
/// A draft series holding most occurrences, and a published one holding five.
const DRAFT: &str = "01930000-0000-7000-8000-00000000d4af";
const PUBLISHED: &str = "01930000-0000-7000-8000-0000000000b1";

#[derive(diesel::QueryableByName, Debug)]
struct TableReads {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_tup_read: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    idx_tup_fetch: i64,
}

/// How `table` was read so far in this transaction.
async fn reads(conn: &mut Conn, table: &str) -> TableReads {
    diesel::sql_query("SELECT seq_tup_read, idx_tup_fetch FROM pg_stat_xact_user_tables WHERE relname = $1")
        .bind::<diesel::sql_types::Text, _>(table)
        .get_result(conn)
        .await
        .unwrap()
}

#[actix_web::test]
async fn anonymous_lists_read_only_public_rows_through_their_partial_indexes() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let (publisher, fields) = fixtures::organization("Julkaisija ry", OrganizationKind::Ngo);
    fixtures::insert(&mut conn, vec![(publisher, fields)]).await;
    conn.batch_execute(&format!(
        "INSERT INTO agreements (id, code, title, purpose, start_date, end_date, visibility)
         SELECT gen_random_uuid(), 'P-' || n, '{{\"fi\": \"Sopimus\"}}', '{{\"fi\": \"Tarkoitus\"}}',
                current_date - 30, current_date + 335, CASE WHEN n % 4000 = 0 THEN 'public' ELSE 'parties' END
         FROM generate_series(1, {PRIVATE_ROWS}) n;
         INSERT INTO event_series (id, title, kind, activity_type, publisher_id, publication_status)
         SELECT gen_random_uuid(), '{{\"fi\": \"Sarja\"}}', 'umbrella', 'event', '{publisher}',
                CASE WHEN n % 4000 = 0 THEN 'published' ELSE 'draft' END
         FROM generate_series(1, {PRIVATE_ROWS}) n;
         INSERT INTO changes (resource_type, resource_id, op, reason, public)
         SELECT 'venue', gen_random_uuid(), 'delete', 'deleted', n % 4000 = 0 FROM generate_series(1, {PRIVATE_ROWS}) n;
         INSERT INTO event_series (id, title, kind, activity_type, publisher_id, publication_status)
         VALUES ('{DRAFT}', '{{\"fi\": \"Luonnos\"}}', 'umbrella', 'event', '{publisher}', 'draft'),
                ('{PUBLISHED}', '{{\"fi\": \"Julkinen\"}}', 'umbrella', 'event', '{publisher}', 'published');
         INSERT INTO event_occurrences (id, series_id, instance_date, scheduled_start, scheduled_end, starts_at, ends_at)
         SELECT gen_random_uuid(), CASE WHEN n % 4000 = 0 THEN '{PUBLISHED}'::uuid ELSE '{DRAFT}'::uuid END,
                current_date + n, now() + n * interval '1 minute', now() + n * interval '1 minute' + interval '1 hour',
                now() + n * interval '1 minute', now() + n * interval '1 minute' + interval '1 hour'
         FROM generate_series(1, {PRIVATE_ROWS}) n;
         INSERT INTO indicators (id, code, title, kind, measure, decimals, direction, aggregation, periodicity,
                                 dimensions, owner_organization_id, visibility)
         SELECT gen_random_uuid(), 'I-' || n, '{{\"fi\": \"Mittari\"}}', 'performance', 'count', 0, 'none', 'sum',
                'P1Y', '{{}}', '{publisher}', CASE WHEN n % 4000 = 0 THEN 'public' ELSE 'partners' END
         FROM generate_series(1, {PRIVATE_ROWS}) n;
         INSERT INTO networks (id, name, kind, visibility)
         SELECT gen_random_uuid(), '{{\"fi\": \"Verkosto\"}}', 'other', CASE WHEN n % 4000 = 0 THEN 'public' ELSE 'members' END
         FROM generate_series(1, {PRIVATE_ROWS}) n;
         ANALYZE agreements; ANALYZE event_series; ANALYZE changes; ANALYZE event_occurrences; ANALYZE indicators;
         ANALYZE networks;"
    ))
    .await
    .unwrap();

    let list = ListQuery { limit: Some(PAGE), ..ListQuery::default() };
    conn.begin_test_transaction().await.unwrap();
    {
        let mut cx = Cx::acting(&mut conn, Actor::anonymous());
        let page = agreements::list(&mut cx, agreements::AgreementQuery::default(), &list).await.unwrap();
        assert_eq!(page.items.len(), 5);
    }
    let agreements_read = reads(&mut conn, "agreements").await;
    {
        let mut cx = Cx::acting(&mut conn, Actor::anonymous());
        let page = event_series::list(&mut cx, event_series::SeriesQuery::default(), &list).await.unwrap();
        assert_eq!(page.items.len(), 6, "five published umbrella series and the one with occurrences");
    }
    let series_read = reads(&mut conn, "event_series").await;
    {
        let mut cx = Cx::acting(&mut conn, Actor::anonymous());
        let page = removals::list(&mut cx, removals::RemovalQuery::default(), &list).await.unwrap();
        assert_eq!(page.items.len(), 5);
    }
    let removals_read = reads(&mut conn, "changes").await;
    {
        let mut cx = Cx::acting(&mut conn, Actor::anonymous());
        let page = occurrences::list(&mut cx, occurrences::OccurrenceQuery::default(), &list).await.unwrap();
        assert_eq!(page.items.len(), 5);
    }
    let occurrences_read = reads(&mut conn, "event_occurrences").await;
    {
        let mut cx = Cx::acting(&mut conn, Actor::anonymous());
        let page = indicators::list(&mut cx, indicators::IndicatorQuery::default(), &list).await.unwrap();
        assert_eq!(page.items.len(), 5);
    }
    let indicators_read = reads(&mut conn, "indicators").await;
    {
        let mut cx = Cx::acting(&mut conn, Actor::anonymous());
        let page = networks::list(&mut cx, networks::NetworkQuery::default(), &list).await.unwrap();
        assert_eq!(page.items.len(), 5);
    }
    let networks_read = reads(&mut conn, "networks").await;
    // The occurrences follow their series out of (and back into) publication.
    for (status, visible) in [("draft", 0), ("published", 5)] {
        conn.batch_execute(&format!(
            "UPDATE event_series SET publication_status = '{status}' WHERE id = '{PUBLISHED}'"
        ))
        .await
        .unwrap();
        let mut cx = Cx::acting(&mut conn, Actor::anonymous());
        let page = occurrences::list(&mut cx, occurrences::OccurrenceQuery::default(), &list).await.unwrap();
        assert_eq!(page.items.len(), visible, "{status}");
    }

    let all = [
        ("agreements", agreements_read),
        ("event_series", series_read),
        ("changes", removals_read),
        ("event_occurrences", occurrences_read),
        ("indicators", indicators_read),
        ("networks", networks_read),
    ];
    for (table, read) in &all {
        // The five public rows (and what the page's own lookups fetch again), not thousands.
        let rows = read.seq_tup_read + read.idx_tup_fetch;
        assert!(rows <= 2 * PAGE, "{table}: {rows} rows read for a page of public ones: {all:?}");
    }
}
