//! Classification: observations of one entry -> one verdict. Pure; takes `now`.
