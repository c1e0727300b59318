//! Service clients are platform administration: platform admins only.

use crate::domain::access::{Actor, admin_or};
use crate::error::AppError;

pub fn can_manage(actor: &Actor) -> Result<(), AppError> {
    admin_or(actor, false)
}
