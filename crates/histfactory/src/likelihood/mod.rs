//! Likelihood evaluation (work in progress in this commit).
