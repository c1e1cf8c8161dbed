//! What a platform's API says about a resource, for `catwatch add`: its
//! title, description, licence, DOI and dates, each with the field it came
//! from.
