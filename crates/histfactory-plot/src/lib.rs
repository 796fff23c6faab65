//! Figures for histfactory (to be written).
