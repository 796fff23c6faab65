//! Bounded minimisation (to be written).
