//! The directory's change feed (muutossyöte): every change in public view (an organisation,
//! venue, published event series or occurrence created, changed or gone) at one position in
//! commit order, so that a mirror which applies it page by page ends identical to the public
//! API. The database's triggers write the changes with the writes themselves; the removals
//! list reads the deletions of the same record. Beside it, one subscribable calendar of the
//! published series, what is on as schema.org JSON-LD, the directory as Open Referral HSDS 3.0,
//! and the activities in lähellä.fi's shape.

pub mod access;
pub mod calendar;
pub mod events;
pub mod hsds;
pub mod lahella;
pub mod model;
pub mod reads;
pub mod retention;

pub use calendar::calendar;
pub use events::events;
pub use hsds::HsdsTable;
pub use lahella::activities;
pub use model::*;
pub use reads::changes;
pub use retention::prune;
