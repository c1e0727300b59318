//! A demo webhook subscription: Jyväskylä's, to a partner directory's receiver, turned off so
//! that the demo makes no requests; an integrator sees its shape and turns on one of their own.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::identity::demo_org_admin;
use super::ids::JYVASKYLA;
use crate::db::Conn;
use crate::domain::context::Cx;
use crate::domain::directory::DirectoryResource;
use crate::domain::webhooks::{self, WebhookFields};
use crate::error::AppError;

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    use crate::repo::schema::webhooks::dsl as w;
    let exists: i64 = w::webhooks.filter(w::organization_id.eq(JYVASKYLA)).count().get_result(conn).await?;
    if exists > 0 {
        return Ok(0);
    }
    let fields = WebhookFields {
        organization_id: JYVASKYLA,
        url: "https://hakemisto.example/yhdyspinta/hook".into(),
        event_types: vec![DirectoryResource::Venue, DirectoryResource::EventSeries, DirectoryResource::EventOccurrence],
        secret: "demo-secret-change-me-demo-secret-change-me".into(),
        active: false,
    };
    webhooks::create(&mut Cx::acting(conn, demo_org_admin(JYVASKYLA)), fields).await?;
    Ok(1)
}
