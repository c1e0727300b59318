//! Who reads the change feed: everyone, since it holds only what is public (and says of it no
//! more than its type, id and when). Changes to non-public records never enter it.

use crate::domain::access::Actor;
use crate::error::AppError;

/// Anyone, signed in or not, may follow the feed.
pub fn can_read(_actor: &Actor) -> Result<(), AppError> {
    Ok(())
}
