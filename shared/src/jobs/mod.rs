//! Background jobs over the store: the durable, resumable organization deletion ([`purge`]).
//! Uses the store and `policy` (a job writes with a [`crate::policy::SystemPermit`]).

pub mod purge;
