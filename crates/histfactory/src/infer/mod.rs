//! Inference (work in progress in this commit).
