//! Demo contact persons (yhdyshenkilöt); fictional people.

use uuid::Uuid;

use super::identity::demo_admin;
use crate::db::Conn;
use crate::domain::contacts::{self, ContactFields, Visibility};
use crate::domain::context::Cx;
use crate::error::AppError;

pub(super) async fn demo_contact(
    conn: &mut Conn,
    org: Uuid,
    name: &str,
    title: &str,
    topics: &[&str],
) -> Result<Uuid, AppError> {
    let details = ContactFields {
        name: name.into(),
        title: Some(title.into()),
        email: None,
        phone: None,
        topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        languages: vec!["fi".into()],
        user_id: None,
        visibility: Visibility::Members,
    };
    Ok(contacts::create(&mut Cx::acting(conn, demo_admin()), org, details).await?.id)
}
