//! EWS wire layer (to be written).
