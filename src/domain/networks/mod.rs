//! Networks (verkostot, seeds 001 and 003): a county's hyte network, an NGO advisory board
//! (järjestöneuvottelukunta) and its theme networks — standing networks of organisations, not
//! agreements. An organisation becomes a member only by its own act: its org admin accepts an
//! invitation, or asks to join and a coordinator of the network approves.

pub mod access;
pub mod lifecycle;
pub mod members;
pub mod model;
pub mod reads;

pub use lifecycle::{create, delete, update};
pub use members::{
    accept_invitation, approve_join_request, decline, get_request, invite, leave_or_remove, list_requests,
    request_to_join, update_member,
};
pub use model::*;
pub use reads::{get, list};
